package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/secrets"
)

// Strings of the sample data that must never appear in the database file.
var sampleSecrets = []string{
	"quokkashop",                     // stack name
	"orders-and-payments-desc",       // description
	"staging-like-env",               // environment
	"hunter2-SUPER-secret-pw",        // secret env value
	"-----BEGIN-PRIVATE-KEY-zz-----", // sensitive file content
	"pgcustomtemplate",               // template name
	"docker.io/library/postgres",     // image
	"plan-id-7f3a9c",                 // plan ID
	"job-id-91bd22",                  // job ID
	"event-message-zebra",            // event text
	"POSTGRES_PASSWORD",              // env key
	"instances",                      // JSON field name
	"podman.sock",                    // runtime binding env value
}

func newKey(t testing.TB) secrets.Key {
	t.Helper()
	k, err := secrets.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openTemp(t testing.TB) (*Store, secrets.Key) {
	t.Helper()
	k := newKey(t)
	s, err := Open(filepath.Join(t.TempDir(), DBFile), k)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, k
}

func sampleStack() core.Stack {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return core.Stack{
		Name: "quokkashop", Description: "orders-and-payments-desc", Environment: "staging-like-env",
		Lineage: "lin-1", Serial: 3, CreatedAt: now, UpdatedAt: now,
		Instances: []core.Instance{{Name: "db", Template: "pgcustomtemplate", Enabled: true, Overrides: core.Overrides{
			Env:   map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "hunter2-SUPER-secret-pw", Secret: true}},
			Files: map[string]core.ConfigFile{"/tls.key": {Target: "/tls.key", Content: "-----BEGIN-PRIVATE-KEY-zz-----", Sensitive: true, Source: "/home/dev/certs/tls.key"}},
		}}},
	}
}

func sampleTemplate() core.Template {
	return core.Template{Name: "pgcustomtemplate", Image: "docker.io/library/postgres:16",
		Env: map[string]core.EnvVar{"POSTGRES_PASSWORD": {Value: "hunter2-SUPER-secret-pw", Secret: true}}}
}

func sampleBinding() RuntimeBinding {
	return RuntimeBinding{Kind: "podman", Binary: "/usr/bin/podman", Env: map[string]string{"CONTAINER_HOST": "unix:///run/podman/podman.sock"}}
}

// seed writes one record of every kind.
func seed(t testing.TB, s *Store) {
	t.Helper()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	st := sampleStack()
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutStack(st); err != nil {
			return err
		}
		if err := tx.PutTemplate(sampleTemplate()); err != nil {
			return err
		}
		d := core.Desired{Stack: st.Name, Serial: 3, Services: []core.WiredService{{Service: core.Service{
			Instance: "db", Image: "docker.io/library/postgres:16", Env: st.Instances[0].Overrides.Env}}}}
		if err := tx.PutApplied(st.Name, Applied{Desired: d, AppliedAt: now, JobID: "job-id-91bd22"}, sampleBinding()); err != nil {
			return err
		}
		if err := tx.PutPlan(SavedPlan{Plan: plan.Plan{ID: "plan-id-7f3a9c", Stack: st.Name, Desired: d}, Stack: &st}); err != nil {
			return err
		}
		if err := tx.PutJob(JobRecord{Job: Job{ID: "job-id-91bd22", Stack: st.Name, CreatedAt: now}, PID: 42}); err != nil {
			return err
		}
		for _, msg := range []string{"event-message-zebra 1", "event-message-zebra 2"} {
			if err := tx.AppendEvent("job-id-91bd22", Event{Time: now, JobID: "job-id-91bd22", Message: msg}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
