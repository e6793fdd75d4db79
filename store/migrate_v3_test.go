package store

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// v2Home copies the database written by schema 2 (testdata/v2, see
// testdata/README.md) and its key into a new devarch home.
func v2Home(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	for _, f := range []string{DBFile, KeyFile} {
		b, err := os.ReadFile(filepath.Join("testdata", "v2", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestV2FixtureIsSchema2(t *testing.T) {
	db, err := bolt.Open(filepath.Join(v2Home(t), DBFile), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(btx *bolt.Tx) error {
		v, err := schemaVersion(btx)
		if v != 2 {
			t.Errorf("fixture schema version %d, want 2", v)
		}
		if btx.Bucket([]byte(bucketBindings)) != nil {
			t.Error("fixture has a bindings bucket")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMigration3FromV2Database opens the schema 2 fixture, migrates it, and
// reads every record back.
func TestMigration3FromV2Database(t *testing.T) {
	s, err := OpenWithKeyFile(v2Home(t))
	if err != nil {
		t.Fatalf("open v2 database: %v", err)
	}
	defer s.Close()
	if s.SchemaVersion() != SchemaVersion {
		t.Fatalf("schema version %d", s.SchemaVersion())
	}
	t0 := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	end := t1.Add(time.Second)
	err = s.View(func(tx *Tx) error {
		if v, _ := schemaVersion(tx.btx); v != SchemaVersion {
			t.Errorf("stored version %d", v)
		}
		t.Run("stacks: overrides carry their templates' secrecy", func(t *testing.T) {
			stacks, err := tx.ListStacks()
			if err != nil || len(stacks) != 2 || stacks[0].Name != "legacy" || stacks[1].Name != "shop" {
				t.Fatalf("stacks = %+v, %v", stacks, err)
			}
			shop := stacks[1]
			if shop.Description != "the shop" || shop.Lineage != "lin-shop" || shop.Serial != 4 || !shop.UpdatedAt.Equal(t1) {
				t.Errorf("shop = %+v", shop)
			}
			db, _ := shop.Instance("db")
			if v := db.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != "plain-stored-pw" {
				t.Errorf("db POSTGRES_PASSWORD = %+v, want secret with its value (user template)", v)
			}
			if v := db.Overrides.Env["POSTGRES_DB"]; v.Secret || v.Value != "shop" {
				t.Errorf("db POSTGRES_DB = %+v, want plain", v)
			}
			if f := db.Overrides.Files["/etc/tls.key"]; !f.Sensitive || f.Content != "plain-stored-key" {
				t.Errorf("db file = %+v, want sensitive with its content", f)
			}
			pg, _ := shop.Instance("pg")
			if v := pg.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != "builtin-plain-pw" {
				t.Errorf("pg POSTGRES_PASSWORD = %+v, want secret (built-in template)", v)
			}
			if web, ok := shop.Instance("web"); !ok || web.Template != "webapp" || !web.Enabled {
				t.Errorf("web = %+v", web)
			}
			if len(shop.Wires) != 1 || shop.Wires[0].Consumer != "web" || shop.Wires[0].Provider != "db" || shop.Wires[0].Export != "" {
				t.Errorf("wires = %+v", shop.Wires)
			}
			if c, _ := stacks[0].Instance("cache"); c.Template != "redis" {
				t.Errorf("legacy = %+v", stacks[0])
			}
		})
		t.Run("templates", func(t *testing.T) {
			tpls, err := tx.ListTemplates()
			if err != nil || len(tpls) != 2 || tpls[0].Name != "pgcustom" || tpls[1].Name != "webapp" {
				t.Fatalf("templates = %+v, %v", tpls, err)
			}
			if v := tpls[0].Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != "tpl-pw" || len(tpls[0].Files) != 1 || !tpls[0].Files[0].Sensitive {
				t.Errorf("pgcustom = %+v", tpls[0])
			}
		})
		t.Run("applied snapshots and their bindings", func(t *testing.T) {
			ap, err := tx.GetApplied("shop")
			if err != nil || ap.JobID != "job-shop-1" || !ap.AppliedAt.Equal(t1) || ap.Partial || ap.Desired.Stack != "shop" || ap.Desired.Serial != 4 {
				t.Errorf("applied shop = %+v, %v", ap, err)
			}
			if svc, ok := ap.Desired.Service("db"); !ok || svc.Env["POSTGRES_PASSWORD"].Value != "plain-stored-pw" || !svc.Env["POSTGRES_PASSWORD"].Secret {
				t.Errorf("applied shop db = %+v", svc)
			}
			b, err := tx.GetBinding("shop")
			want := RuntimeBinding{Kind: "podman", Binary: "/usr/bin/podman", Env: map[string]string{"CONTAINER_HOST": "unix:///run/podman/podman.sock"}}
			if err != nil || !reflect.DeepEqual(b, want) {
				t.Errorf("binding shop = %+v, %v; want %+v", b, err, want)
			}
			legacy, err := tx.GetApplied("legacy")
			if err != nil || legacy.JobID != "job-legacy-1" || !legacy.Partial || legacy.Note != "half-way" {
				t.Errorf("applied legacy = %+v, %v", legacy, err)
			}
			if b, err := tx.GetBinding("legacy"); !IsNotFound(err) {
				t.Errorf("binding of a snapshot without a runtime = %+v, %v; want none", b, err)
			}
			err = tx.ForEach(bucketApplied, func(name string, value []byte) error {
				var obj map[string]json.RawMessage
				if err := json.Unmarshal(value, &obj); err != nil {
					return err
				}
				if _, ok := obj["runtime"]; ok {
					t.Errorf("applied %s still holds a runtime: %s", name, value)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("plans record their runtime kind", func(t *testing.T) {
			ids, err := tx.Keys(bucketPlans)
			want := []string{"plan-import", "plan-old-applied", "plan-old-docker", "plan-old-podman", "plan-podman"}
			if err != nil || !reflect.DeepEqual(ids, want) {
				t.Errorf("plans = %v, %v; want %v (plan-old-unknown removed)", ids, err, want)
			}
			for id, kind := range map[string]string{"plan-podman": "podman", "plan-old-docker": "docker",
				"plan-old-podman": "podman", "plan-import": "docker", "plan-old-applied": ""} {
				sp, err := tx.GetPlan(id)
				if err != nil || sp.Plan.RuntimeKind != kind || sp.Plan.ID != id {
					t.Errorf("plan %s = kind %q, %v; want %q", id, sp.Plan.RuntimeKind, err, kind)
				}
			}
			if sp, _ := tx.GetPlan("plan-old-docker"); sp.Plan.Stack != "legacy" || !sp.Plan.ExpiresAt.Equal(t0.Add(time.Hour)) || sp.Plan.Runtime != "docker compose v2 (context default)" {
				t.Errorf("plan-old-docker = %+v", sp.Plan)
			}
			if sp, _ := tx.GetPlan("plan-old-applied"); sp.AppliedAt == nil || !sp.AppliedAt.Equal(t1) {
				t.Errorf("plan-old-applied = %+v", sp)
			}
			sp, err := tx.GetPlan("plan-import")
			if err != nil || sp.Stack == nil || sp.Stack.Description != "the shop, imported" {
				t.Fatalf("plan-import = %+v, %v", sp, err)
			}
			db, _ := sp.Stack.Instance("db")
			if v := db.Overrides.Env["POSTGRES_PASSWORD"]; !v.Secret || v.Value != "plain-stored-pw" {
				t.Errorf("import plan's db POSTGRES_PASSWORD = %+v, want secret", v)
			}
			if sp.Plan.Summary.Update != 0 || len(sp.Plan.Desired.Services) != 3 {
				t.Errorf("import plan desired = %+v", sp.Plan.Desired)
			}
		})
		t.Run("the index built by migration 4", func(t *testing.T) {
			sums, err := tx.ListSummaries()
			wantSums := []StackSummary{
				{Name: "legacy", Instances: 1, Serial: 1, Lineage: "lin-legacy", AppliedAt: &t0, AppliedSerial: 1},
				{Name: "shop", Description: "the shop", Instances: 3, Serial: 4, Lineage: "lin-shop", AppliedAt: &t1, AppliedSerial: 4},
			}
			if err != nil || !reflect.DeepEqual(sums, wantSums) {
				t.Errorf("summaries = %+v, %v\nwant %+v", sums, err, wantSums)
			}
			ix, ok, err := tx.GetStackIndex("shop")
			wantIx := StackIndex{Defined: true, Names: []string{"db", "pg", "web"}, Templates: []string{"pgcustom", "postgres", "webapp"},
				Applied: true, AppliedNames: []string{"db", "pg", "web"}, RuntimeKind: "podman", AppliedAt: &t1, AppliedSerial: 4}
			if err != nil || !ok || !reflect.DeepEqual(ix, wantIx) {
				t.Errorf("index of shop = %+v, %v, %v\nwant %+v", ix, ok, err, wantIx)
			}
			if ix, _, _ := tx.GetStackIndex("legacy"); ix.RuntimeKind != "" || !ix.Applied {
				t.Errorf("index of legacy = %+v, want applied on no known runtime", ix)
			}
			for name, want := range map[string]ContainerOwner{"devarch-shop-db": {"shop", "db"}, "devarch-shop-web": {"shop", "web"}, "devarch-legacy-cache": {"legacy", "cache"}} {
				if owners, err := tx.ContainerOwners(name); err != nil || len(owners) != 1 || owners[0] != want {
					t.Errorf("owners of %s = %+v, %v", name, owners, err)
				}
			}
			if cur, err := tx.indexCurrent(); err != nil || !cur {
				t.Errorf("index built with this catalog = %v, %v", cur, err)
			}
		})
		t.Run("jobs and events", func(t *testing.T) {
			jobs, err := tx.ListJobs()
			if err != nil || len(jobs) != 2 {
				t.Fatalf("jobs = %+v, %v", jobs, err)
			}
			wantLegacy := JobRecord{PID: 4141, Job: Job{ID: "job-legacy-1", Stack: "legacy", Operation: "apply", State: "failed",
				Error: "compose up failed", Instance: "cache", CreatedAt: t0, EndedAt: &end}}
			wantShop := JobRecord{PID: 4242, Job: Job{ID: "job-shop-1", Stack: "shop", Operation: "apply", PlanID: "plan-podman",
				State: "succeeded", CreatedAt: t1, EndedAt: &end, Summary: "Apply complete: 0 created, 1 updated, 0 replaced, 0 deleted."}}
			if !reflect.DeepEqual(jobs, []JobRecord{wantLegacy, wantShop}) {
				t.Errorf("jobs = %+v\nwant %+v", jobs, []JobRecord{wantLegacy, wantShop})
			}
			evs, err := tx.Events("job-shop-1")
			want := []Event{
				{Time: t1, JobID: "job-shop-1", Instance: "db", Message: "update devarch-shop-db"},
				{Time: t1.Add(time.Millisecond), JobID: "job-shop-1", Instance: "db", Message: "devarch-shop-db running"},
				{Time: end, JobID: "job-shop-1", Message: "Apply complete", State: "succeeded"},
			}
			if err != nil || !reflect.DeepEqual(evs, want) {
				t.Errorf("events = %+v, %v\nwant %+v", evs, err, want)
			}
			evs, err = tx.Events("job-legacy-1")
			if err != nil || len(evs) != 1 || evs[0].State != "failed" || evs[0].Instance != "cache" {
				t.Errorf("legacy events = %+v, %v", evs, err)
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The migrated database takes new records of every kind.
	seed(t, s)
}

func TestRuntimeKindOf(t *testing.T) {
	for desc, want := range map[string]string{
		"docker compose v2 (context default)":                        "docker",
		"docker compose v2 (host tcp://x:2375)":                      "docker",
		"podman 4.3 via podman-compose":                              "podman",
		"podman via docker compose (unix:///run/podman/podman.sock)": "podman",
		"":             "",
		"fake compose": "",
	} {
		if got := runtimeKindOf(desc); got != want {
			t.Errorf("runtimeKindOf(%q) = %q, want %q", desc, got, want)
		}
	}
}
