package store

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
)

var update = flag.Bool("update", false, "rewrite the golden records in testdata/golden")

// goldenRecords is one record of every type the store seals, with every
// field set, under the name it is stored by.
func goldenRecords(t *testing.T) []struct {
	file, name string
	value      any
	decode     func([]byte) (any, error)
} {
	t.Helper()
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	st := sampleStack()
	st.JoinNetworks = []string{"other"}
	st.Wires = []core.Wire{{Consumer: "web", Import: "db", Provider: "db", Export: "pg"}}
	tpl := sampleTemplate()
	tpl.Description = "a postgres"
	tpl.OwnerStack = st.Name
	tpl.Ports = []core.Port{{Host: 5433, Container: 5432}}
	tpl.Files = []core.ConfigFile{{Target: "/tls.key", Content: "k", Sensitive: true, Mode: 0o600}}
	tpl.Exports = []core.Export{{Name: "pg", Type: core.ContractPostgres, Port: 5432, Env: map[string]string{"PGHOST": "{{.Host}}"}}}
	d, err := core.Build(sampleStack(), map[string]core.Template{tpl.Name: tpl})
	if err != nil {
		t.Fatal(err)
	}
	p := plan.Plan{ID: "plan-1", Stack: st.Name, Lineage: st.Lineage, Serial: st.Serial, StateHash: "h",
		CreatedAt: t0, ExpiresAt: t1, Destroy: false, Runtime: "docker compose v2 (context default)", RuntimeKind: "docker",
		Network: plan.Create, Summary: plan.Summary{Create: 1}, Desired: d, AppliedAt: &t1,
		Warnings: []string{"w"}, Targets: []string{"web"}, Included: []plan.Included{{Instance: "db", For: "web"}},
		LeftOut: []plan.LeftOut{{Instance: "cache", Action: plan.Update}}}
	dec := func(v any) func([]byte) (any, error) {
		typ := reflect.TypeOf(v)
		return func(b []byte) (any, error) {
			ptr := reflect.New(typ)
			err := json.Unmarshal(b, ptr.Interface())
			return ptr.Elem().Interface(), err
		}
	}
	type rec = struct {
		file, name string
		value      any
		decode     func([]byte) (any, error)
	}
	out := []rec{
		{file: "stack", name: st.Name, value: st},
		{file: "template", name: tpl.Name, value: tpl},
		{file: "applied", name: st.Name, value: Applied{Desired: d, AppliedAt: t0, JobID: "job-1", Partial: true, Note: "n",
			Builds: map[string]core.BuildDigest{"api": {Sum: "sha256:0a1b", Files: map[string]string{"Dockerfile": "3c4d5e6f70819203"}}},
			Images: map[string]string{"api": "sha256:9c1e"}}},
		{file: "binding", name: st.Name, value: sampleBinding()},
		{file: "plan", name: p.ID, value: SavedPlan{Plan: p, Stack: &st, Templates: []core.Template{tpl}, Purge: true, AppliedAt: &t1}},
		{file: "job", name: "job-1", value: JobRecord{PID: 42, Job: Job{ID: "job-1", Stack: st.Name, Operation: "apply",
			PlanID: "plan-1", State: "failed", Error: "e", Instance: "db", CreatedAt: t0, EndedAt: &t1, Summary: "s"}}},
		{file: "event", name: "job-1", value: Event{Time: t0, JobID: "job-1", Instance: "db", Message: "m", State: "failed"}},
		{file: "stack_index", name: st.Name, value: StackIndex{Defined: true, Names: []string{"db"}, Joins: []string{"other"},
			Ports:     []PortClaim{{Stack: st.Name, Instance: "db", HostIP: "127.0.0.1", Host: 5433, Protocol: "tcp"}},
			Templates: []string{tpl.Name}, Applied: true, AppliedNames: []string{"db"}, AppliedJoins: []string{"other"},
			RuntimeKind: "podman", AppliedAt: &t0, AppliedSerial: 2}},
		{file: "summary", name: st.Name, value: StackSummary{Name: st.Name, Description: "d", Environment: "e", Instances: 1,
			Serial: 3, Lineage: "lin-1", AppliedAt: &t0, AppliedSerial: 2}},
		{file: "port_claims", name: "5433/tcp", value: []PortClaim{{Stack: st.Name, Instance: "db", HostIP: "127.0.0.1", Host: 5433, Protocol: "tcp"}}},
		{file: "set_member", name: st.Name, value: "other"},
	}
	for i := range out {
		out[i].decode = dec(out[i].value)
	}
	return out
}

// TestGoldenRecords pins the plaintext every record type seals: a renamed,
// dropped or added JSON field changes the bytes on disk and must come with
// a migration (and `go test ./store -run TestGoldenRecords -update`).
func TestGoldenRecords(t *testing.T) {
	for _, r := range goldenRecords(t) {
		t.Run(r.file, func(t *testing.T) {
			pt, err := plaintext(r.name, r.value)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := json.Indent(&got, pt, "", "  "); err != nil {
				t.Fatal(err)
			}
			got.WriteByte('\n')
			path := filepath.Join("testdata", "golden", r.file+".json")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("encoding of %s changed; a stored record changes with it and needs a migration\ngot:\n%s\nwant:\n%s", r.file, got.Bytes(), want)
			}
			// The golden record decodes back to the value: no field of it
			// is left unread.
			var env envelope
			if err := json.Unmarshal(want, &env); err != nil {
				t.Fatal(err)
			}
			back, err := r.decode(env.Value)
			if err != nil {
				t.Fatalf("decode golden %s: %v", r.file, err)
			}
			if env.Name != r.name || !reflect.DeepEqual(back, r.value) {
				t.Errorf("golden %s decodes to %q %+v\nwant %q %+v", r.file, env.Name, back, r.name, r.value)
			}
		})
	}
}
