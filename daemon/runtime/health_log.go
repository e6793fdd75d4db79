package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// HealthResult is one run of a container's healthcheck as the engine
// recorded it.
type HealthResult struct {
	Start    time.Time `json:"start"`
	ExitCode int       `json:"exit_code"`
	Output   string    `json:"output"`
}

// HealthReader is a Runtime that reads the healthcheck runs an engine
// keeps for a container (the compose engines; a swarm keeps them on the
// node running the task).
type HealthReader interface {
	// HealthLog returns the last healthcheck runs of the container named
	// name, oldest first (Docker keeps 5); none when it has no
	// healthcheck or none ran yet.
	HealthLog(ctx context.Context, name string) ([]HealthResult, error)
}

// healthLogInspected is what HealthLog reads of `inspect`: .State.Health.Log
// (.State.Healthcheck.Log on older Podman versions).
type healthLogInspected struct {
	State struct {
		Health      *healthLogHistory `json:"Health"`
		Healthcheck *healthLogHistory `json:"Healthcheck"`
	} `json:"State"`
}

type healthLogHistory struct {
	Log []struct {
		Start    string `json:"Start"`
		ExitCode int    `json:"ExitCode"`
		Output   string `json:"Output"`
	} `json:"Log"`
}

// HealthLog reads the container's .State.Health.Log with `inspect`.
func (e *Engine) HealthLog(ctx context.Context, name string) ([]HealthResult, error) {
	out, err := e.output(ctx, e.cliCmd(ctx, "inspect", "--type", "container", name), nil)
	if err != nil {
		return nil, fmt.Errorf("read the healthcheck log of container %s: %w", name, err)
	}
	rs, err := parseHealthLog([]byte(out))
	if err != nil {
		return nil, fmt.Errorf("read the healthcheck log of container %s: %w", name, err)
	}
	return rs, nil
}

// parseHealthLog reads the healthcheck runs of the one container in
// `docker inspect` or `podman inspect` output.
func parseHealthLog(data []byte) ([]HealthResult, error) {
	var cs []healthLogInspected
	if err := json.Unmarshal(data, &cs); err != nil {
		return nil, fmt.Errorf("parse inspect output: %w", err)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	h := cs[0].State.Health
	if h == nil || len(h.Log) == 0 {
		h = cs[0].State.Healthcheck
	}
	if h == nil {
		return nil, nil
	}
	out := make([]HealthResult, 0, len(h.Log))
	for _, l := range h.Log {
		start, _ := parseTime(l.Start)
		out = append(out, HealthResult{Start: start, ExitCode: l.ExitCode, Output: strings.TrimRight(l.Output, "\n")})
	}
	return out, nil
}

var _ HealthReader = (*Engine)(nil)
