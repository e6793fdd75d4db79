package runtime

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// Podman schedules health checks with systemd timers. Where systemd is not
// running (a container, CI, WSL), no check ever runs: a container's health
// stays "starting", `compose up` waits forever on a depends_on condition
// service_healthy and apply never sees the container healthy. So on Podman
// the engine runs the checks that are due itself (`podman healthcheck run`)
// while compose up runs and whenever it inspects containers. A check is due
// when its interval has passed since the last one ended, or since the
// container started; where systemd runs the checks they are rarely due when
// looked at, and an extra run is harmless.

// podmanDefaultInterval is Podman's health check interval when none is set.
const podmanDefaultInterval = 30 * time.Second

// healthDriveInterval is how often checks are looked at during compose up.
const healthDriveInterval = time.Second

// healthInspected is what deciding whether a check is due needs of
// `podman inspect`.
type healthInspected struct {
	ID    string `json:"Id"`
	State struct {
		Status    string         `json:"Status"`
		StartedAt string         `json:"StartedAt"`
		Health    *healthHistory `json:"Health"`
		// Healthcheck is where older Podman versions report health.
		Healthcheck *healthHistory `json:"Healthcheck"`
	} `json:"State"`
	Config struct {
		Healthcheck *struct {
			Test     []string      `json:"Test"`
			Interval time.Duration `json:"Interval"` // nanoseconds
		} `json:"Healthcheck"`
	} `json:"Config"`
}

type healthHistory struct {
	Status string `json:"Status"`
	Log    []struct {
		End string `json:"End"`
	} `json:"Log"`
}

// dueHealthchecks returns the ids of the containers in inspectJSON (the
// output of `podman inspect`) that are running, have a health check and
// whose check is due at now.
func dueHealthchecks(inspectJSON []byte, now time.Time) []string {
	var cs []healthInspected
	if err := json.Unmarshal(inspectJSON, &cs); err != nil {
		return nil
	}
	var due []string
	for _, c := range cs {
		hc := c.Config.Healthcheck
		if c.State.Status != "running" || hc == nil || len(hc.Test) == 0 || hc.Test[0] == "NONE" {
			continue
		}
		interval := hc.Interval
		if interval <= 0 {
			interval = podmanDefaultInterval
		}
		last, ok := parseTime(c.State.StartedAt)
		h := c.State.Health
		if h == nil {
			h = c.State.Healthcheck
		}
		if h != nil && len(h.Log) > 0 {
			if end, ok2 := parseTime(h.Log[len(h.Log)-1].End); ok2 {
				last, ok = end, true
			}
		}
		if ok && now.Sub(last) >= interval {
			due = append(due, c.ID)
		}
	}
	return due
}

func parseTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil && !t.IsZero()
}

// runHealthchecks runs `podman healthcheck run` on each of ids at once and
// waits for them. A failing check is a result (Podman records it), not an
// error, so failures are ignored.
func (e *Engine) runHealthchecks(ctx context.Context, ids []string) {
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = e.output(ctx, e.cliCmd(ctx, "healthcheck", "run", id), nil)
		}()
	}
	wg.Wait()
}

// driveHealthchecks runs the due health checks of project's containers
// every healthDriveInterval until the returned stop is called. It does
// nothing on Docker, which runs its checks itself.
func (e *Engine) driveHealthchecks(ctx context.Context, project string) (stop func()) {
	if e.kind != KindPodman {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(healthDriveInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			out, err := e.output(ctx, e.cliCmd(ctx, "ps", "-q", "--no-trunc",
				"--filter", "label=com.docker.compose.project="+project), nil)
			if err != nil {
				continue
			}
			ids := strings.Fields(out)
			if len(ids) == 0 {
				continue
			}
			info, err := e.output(ctx, e.cliCmd(ctx, append([]string{"inspect", "--type", "container"}, ids...)...), nil)
			if err != nil && info == "" {
				continue
			}
			e.runHealthchecks(ctx, dueHealthchecks([]byte(info), time.Now()))
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
