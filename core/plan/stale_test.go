package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

var t0 = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// baseInput is an applied, running stack with a secret.
func baseInput() Input {
	db := svc("db", "docker.io/library/postgres:16")
	db.Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: secretPass, Secret: true}
	api := svc("api", "docker.io/acme/api:1")
	d := desired(3, api, db)
	applied := desired(2, cloneSvc(api), cloneSvc(db))
	return Input{Desired: d, Applied: &applied,
		Live: []LiveContainer{running("api", api.Image), running("db", db.Image)}}
}

func savedPlan(in Input) Plan {
	p := Compute(in)
	p.ID = "abc123"
	p.StateHash = StateHash(in)
	p.CreatedAt = t0
	p.ExpiresAt = t0.Add(15 * time.Minute)
	return p
}

func TestStaleness(t *testing.T) {
	tests := []struct {
		name   string
		plan   func(p *Plan)
		change func(in *Input)
		now    time.Time
		kind   string
		want   string
	}{
		{name: "fresh", now: t0.Add(time.Minute)},
		{name: "fresh without expiry", plan: func(p *Plan) { p.ExpiresAt = time.Time{} }, now: t0.Add(24 * time.Hour)},
		{name: "health change keeps it fresh", change: func(in *Input) { in.Live[1].Health = "healthy" }, now: t0},
		{name: "other stack", change: func(in *Input) { in.Desired.Stack = "blog" }, now: t0,
			kind: StaleOtherStack, want: `plan abc123 is for stack "shop", not "blog"`},
		{name: "already applied", plan: func(p *Plan) { at := t0.Add(time.Minute); p.AppliedAt = &at }, now: t0,
			kind: StaleApplied, want: "plan abc123 was already applied at 2026-11-22T12:01:00Z"},
		{name: "expired", now: t0.Add(15 * time.Minute),
			kind: StaleExpired, want: "plan abc123 expired at 2026-11-22T12:15:00Z"},
		{name: "lineage", change: func(in *Input) { in.Desired.Lineage = "lin-2" }, now: t0,
			kind: StaleLineage, want: "re-created since the plan (lineage lin-2, plan has lin-1)"},
		{name: "serial", change: func(in *Input) { in.Desired.Serial = 4 }, now: t0,
			kind: StaleSerial, want: `stack "shop" changed since the plan (serial 3 → 4)`},
		{name: "secret changed", change: func(in *Input) {
			in.Desired.Services[1].Env = map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: secretNew, Secret: true}}
		}, now: t0, kind: StaleDesired, want: "desired configuration changed"},
		{name: "applied since", change: func(in *Input) {
			a := *in.Applied
			a.Serial = 3
			in.Applied = &a
		}, now: t0, kind: StaleSnapshot, want: "applied serial 2 → 3"},
		{name: "destroyed since", change: func(in *Input) { in.Applied = nil }, now: t0,
			kind: StaleSnapshot, want: "applied snapshot was removed"},
		{name: "container exited", change: func(in *Input) { in.Live[1].State = "exited" }, now: t0,
			kind: StaleLive, want: "devarch-shop-db running → exited"},
		{name: "container gone", change: func(in *Input) { in.Live = in.Live[:1] }, now: t0,
			kind: StaleLive, want: "devarch-shop-db is gone"},
		{name: "container appeared", change: func(in *Input) {
			in.Live = append(in.Live, running("cache", "docker.io/library/redis:7"))
		}, now: t0, kind: StaleLive, want: "devarch-shop-cache appeared (running)"},
		{name: "destroy flag", change: func(in *Input) { in.Destroy = true }, now: t0,
			kind: StaleDestroy, want: "does not destroy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := baseInput()
			p := savedPlan(in)
			if tt.plan != nil {
				tt.plan(&p)
			}
			in = baseInput()
			if tt.change != nil {
				tt.change(&in)
			}
			err := Staleness(p, in, tt.now)
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("Staleness = %v, want fresh", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Staleness = nil, want stale")
			}
			wrapped := fmt.Errorf("apply: %w", err)
			if !IsStale(wrapped) {
				t.Errorf("IsStale(%v) = false", wrapped)
			}
			var se *StaleError
			if !errors.As(err, &se) || se.Kind != tt.kind {
				t.Errorf("kind = %q, want %q (%v)", se.Kind, tt.kind, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secretPass) || strings.Contains(err.Error(), secretNew) {
				t.Errorf("error shows a secret: %v", err)
			}
			if se.Hint() != "run `plan shop` again" {
				t.Errorf("hint = %q", se.Hint())
			}
		})
	}
	if IsStale(errors.New("other")) || IsStale(nil) {
		t.Error("IsStale accepts a non-stale error")
	}
}

func TestStateHash(t *testing.T) {
	base := StateHash(baseInput())
	if base != StateHash(baseInput()) {
		t.Fatal("StateHash is not stable")
	}
	if len(base) != 64 || strings.Contains(base, secretPass) {
		t.Fatalf("StateHash = %q", base)
	}
	if got := Compute(baseInput()).StateHash; got != base {
		t.Errorf("Compute stamps StateHash %q, want %q", got, base)
	}
	// Live order and health do not matter.
	in := baseInput()
	in.Live[0], in.Live[1] = in.Live[1], in.Live[0]
	in.Live[0].Health = "starting"
	if got := StateHash(in); got != base {
		t.Error("StateHash depends on live order or health")
	}
	changes := map[string]func(in *Input){
		"secret value": func(in *Input) {
			in.Desired.Services[1].Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: secretNew, Secret: true}
		},
		"image":      func(in *Input) { in.Desired.Services[0].Image = "docker.io/acme/api:2" },
		"serial":     func(in *Input) { in.Desired.Serial++ },
		"applied":    func(in *Input) { in.Applied = nil },
		"live state": func(in *Input) { in.Live[0].State = "exited" },
		"live image": func(in *Input) { in.Live[0].Image = "sha256:0123" },
		"destroy":    func(in *Input) { in.Destroy = true },
		"applied secret": func(in *Input) {
			in.Applied.Services[1].Env["POSTGRES_PASSWORD"] = core.EnvVar{Value: "x", Secret: true}
		},
	}
	seen := map[string]string{base: "base"}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			in := baseInput()
			change(&in)
			h := StateHash(in)
			if prev, dup := seen[h]; dup {
				t.Errorf("changing %s hashes like %s", name, prev)
			}
			seen[h] = name
		})
	}
}
