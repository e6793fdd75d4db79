package store

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	bolt "go.etcd.io/bbolt"
)

// indexStack is a stack using user template web (host port 8080) and
// built-in redis, joining others' networks.
func indexStack(name string, joins ...string) core.Stack {
	return core.Stack{Name: name, Lineage: "lin-" + name, Serial: 1, JoinNetworks: joins,
		Instances: []core.Instance{
			{Name: "web", Template: "web", Enabled: true},
			{Name: "off", Template: "web", Enabled: false},
			{Name: "cache", Template: "redis", Enabled: true},
		}}
}

func webTemplate(port int) core.Template {
	return core.Template{Name: "web", Image: "example/web:1", Ports: []core.Port{{Host: port, Container: 80}}}
}

// dumpIndex is every index record's plaintext value, and every set's
// members, by bucket and name.
func dumpIndex(t *testing.T, tx *Tx) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, b := range indexBuckets {
		err := tx.ForEach(b, func(name string, value []byte) error {
			out[b+"/"+name] = string(value)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, b := range setBuckets {
		sets, err := tx.allSets(b)
		if err != nil {
			t.Fatal(err)
		}
		for name, members := range sets {
			out[b+"/"+name] = fmt.Sprint(members)
		}
	}
	return out
}

// checkIndexRebuilds compares the index the writes kept with one built
// from scratch from the records.
func checkIndexRebuilds(t *testing.T, s *Store) map[string]string {
	t.Helper()
	var kept, built map[string]string
	err := s.Update(func(tx *Tx) error {
		kept = dumpIndex(t, tx)
		if err := rebuildIndex(tx); err != nil {
			return err
		}
		built = dumpIndex(t, tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(kept, built) {
		t.Errorf("index kept by the writes differs from the index rebuilt\nkept:  %v\nbuilt: %v", kept, built)
	}
	return kept
}

func TestIndexKeptByWrites(t *testing.T) {
	s, _ := openTemp(t)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	update := func(fn func(tx *Tx) error) {
		t.Helper()
		if err := s.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *Tx) error {
		if err := tx.PutTemplate(webTemplate(8080)); err != nil {
			return err
		}
		if err := tx.PutStack(indexStack("alpha")); err != nil {
			return err
		}
		if err := tx.PutStack(indexStack("beta", "alpha")); err != nil {
			return err
		}
		d := core.Desired{Stack: "beta", Serial: 1, JoinNetworks: []string{"gamma"},
			Services: []core.WiredService{{Service: core.Service{Instance: "old"}}}}
		return tx.PutApplied("beta", Applied{Desired: d, AppliedAt: at}, RuntimeBinding{Kind: "docker"})
	})
	t.Run("after puts", func(t *testing.T) {
		idx := checkIndexRebuilds(t, s)
		err := s.View(func(tx *Tx) error {
			claims, err := tx.PortClaims(8080, "TCP")
			want := []PortClaim{{Stack: "alpha", Instance: "web", Host: 8080, Protocol: "tcp"}, {Stack: "beta", Instance: "web", Host: 8080, Protocol: "tcp"}}
			if err != nil || !reflect.DeepEqual(claims, want) {
				t.Errorf("claims on 8080/tcp = %+v, %v; want %+v (the disabled instance claims none)", claims, err, want)
			}
			if j, _ := tx.Joiners("alpha"); !reflect.DeepEqual(j, []string{"beta"}) {
				t.Errorf("joiners of alpha = %v", j)
			}
			if j, _ := tx.Joiners("gamma"); !reflect.DeepEqual(j, []string{"beta"}) {
				t.Errorf("joiners of gamma (by the applied snapshot) = %v", j)
			}
			ix, _, _ := tx.GetStackIndex("beta")
			if !ix.Applied || ix.RuntimeKind != "docker" || !reflect.DeepEqual(ix.AppliedNames, []string{"old"}) ||
				!reflect.DeepEqual(ix.Names, []string{"cache", "off", "web"}) {
				t.Errorf("index of beta = %+v", ix)
			}
			if o, _ := tx.ContainerOwners("devarch-alpha-off"); len(o) != 1 || o[0].Instance != "off" {
				t.Errorf("owners of a disabled instance's container = %+v", o)
			}
			sums, _ := tx.ListSummaries()
			if len(sums) != 2 || sums[1].Name != "beta" || sums[1].AppliedAt == nil || !sums[1].AppliedAt.Equal(at) || sums[0].AppliedAt != nil {
				t.Errorf("summaries = %+v", sums)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(idx) == 0 {
			t.Fatal("empty index")
		}
	})
	t.Run("a template change moves the ports of its users", func(t *testing.T) {
		update(func(tx *Tx) error { return tx.PutTemplate(webTemplate(9090)) })
		checkIndexRebuilds(t, s)
		_ = s.View(func(tx *Tx) error {
			if c, _ := tx.PortClaims(8080, "tcp"); len(c) != 0 {
				t.Errorf("claims on the old port = %+v", c)
			}
			if c, _ := tx.PortClaims(9090, "tcp"); len(c) != 2 {
				t.Errorf("claims on the new port = %+v", c)
			}
			return nil
		})
		update(func(tx *Tx) error { return tx.DeleteTemplate("web") })
		checkIndexRebuilds(t, s)
		_ = s.View(func(tx *Tx) error {
			if c, _ := tx.PortClaims(9090, "tcp"); len(c) != 0 {
				t.Errorf("claims of stacks that no longer build = %+v", c)
			}
			return nil
		})
	})
	t.Run("edits, destroy and removal", func(t *testing.T) {
		update(func(tx *Tx) error {
			if err := tx.PutTemplate(webTemplate(8080)); err != nil {
				return err
			}
			st := indexStack("beta")
			st.Instances = st.Instances[:1]
			st.Description = "now alone"
			if err := tx.PutStack(st); err != nil {
				return err
			}
			if err := tx.DeleteApplied("beta"); err != nil {
				return err
			}
			return tx.DeleteStack("alpha")
		})
		idx := checkIndexRebuilds(t, s)
		err := s.View(func(tx *Tx) error {
			if j, _ := tx.Joiners("alpha"); len(j) != 0 {
				t.Errorf("joiners of alpha = %v", j)
			}
			if j, _ := tx.Joiners("gamma"); len(j) != 0 {
				t.Errorf("joiners of gamma after destroy = %v", j)
			}
			if _, ok, _ := tx.GetStackIndex("alpha"); ok {
				t.Error("index record of a removed stack left")
			}
			if o, _ := tx.ContainerOwners("devarch-beta-cache"); len(o) != 0 {
				t.Errorf("owners of a removed instance's container = %+v", o)
			}
			if c, _ := tx.PortClaims(8080, ""); len(c) != 1 || c[0].Stack != "beta" {
				t.Errorf("claims on 8080 = %+v", c)
			}
			sums, _ := tx.ListSummaries()
			if len(sums) != 1 || sums[0].Description != "now alone" || sums[0].Instances != 1 || sums[0].AppliedAt != nil {
				t.Errorf("summaries = %+v", sums)
			}
			if n, err := tx.CountStacks(); err != nil || n != 1 {
				t.Errorf("count = %d, %v", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(idx) != 4 { // beta's record and summary, its template's users, the port
			t.Errorf("index = %v", idx)
		}
	})
}

// TestIndexNamesNotInFile: the index's keys are blinded and its values
// sealed: no stack, instance, container or template name is in the file.
func TestIndexNamesNotInFile(t *testing.T) {
	s, _ := openTemp(t)
	path := s.path
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutTemplate(core.Template{Name: "tplzebrafish", Image: "x", Ports: []core.Port{{Host: 48123, Container: 1}}}); err != nil {
			return err
		}
		st := core.Stack{Name: "stackwombat", JoinNetworks: []string{"stacknumbat"},
			Instances: []core.Instance{{Name: "instkoala", Template: "tplzebrafish", Enabled: true}}}
		if err := tx.PutStack(st); err != nil {
			return err
		}
		return tx.PutStack(core.Stack{Name: "stacknumbat"})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	raw := readFile(t, path)
	for _, str := range []string{"stackwombat", "stacknumbat", "instkoala", "tplzebrafish", "devarch-stackwombat", "48123"} {
		if bytes.Contains(raw, []byte(str)) {
			t.Errorf("%q in plaintext in the database file", str)
		}
	}
}

// TestMigration4BuildsIndex: a schema 3 database with stacks, templates,
// applied snapshots and bindings gets its index, as the writes would have
// kept it.
func TestMigration4BuildsIndex(t *testing.T) {
	k := newKey(t)
	path := dbAt(t, 3, k)
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	withDB(t, path, func(btx *bolt.Tx) error {
		tx := &Tx{btx: btx, key: k}
		for _, b := range indexBuckets {
			if btx.Bucket([]byte(b)) != nil {
				t.Errorf("bucket %s exists at version 3", b)
			}
		}
		if err := tx.Put(bucketTemplates, "web", webTemplate(8080)); err != nil {
			return err
		}
		for _, st := range []core.Stack{indexStack("alpha"), indexStack("beta", "alpha")} {
			if err := tx.Put(bucketStacks, st.Name, st); err != nil {
				return err
			}
		}
		d := core.Desired{Stack: "alpha", Serial: 1, Services: []core.WiredService{{Service: core.Service{Instance: "web"}}}}
		if err := tx.Put(bucketApplied, "alpha", Applied{Desired: d, AppliedAt: at}); err != nil {
			return err
		}
		if err := tx.Put(bucketBindings, "alpha", RuntimeBinding{Kind: "podman"}); err != nil {
			return err
		}
		if err := migrate(tx, 4); err != nil {
			return err
		}
		if v, _ := schemaVersion(btx); v != 4 {
			t.Errorf("version %d", v)
		}
		if c, err := tx.PortClaims(8080, "tcp"); err != nil || len(c) != 2 {
			t.Errorf("claims = %+v, %v", c, err)
		}
		if j, err := tx.Joiners("alpha"); err != nil || !reflect.DeepEqual(j, []string{"beta"}) {
			t.Errorf("joiners = %v, %v", j, err)
		}
		ix, ok, err := tx.GetStackIndex("alpha")
		if err != nil || !ok || ix.RuntimeKind != "podman" || !ix.Applied || ix.AppliedSerial != 1 {
			t.Errorf("index of alpha = %+v, %v, %v", ix, ok, err)
		}
		sums, err := tx.ListSummaries()
		if err != nil || len(sums) != 2 || sums[0].AppliedAt == nil || sums[1].AppliedAt != nil {
			t.Errorf("summaries = %+v, %v", sums, err)
		}
		if o, err := tx.ContainerOwners("devarch-beta-off"); err != nil || len(o) != 1 {
			t.Errorf("owners = %+v, %v", o, err)
		}
		return nil
	})
	s, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkIndexRebuilds(t, s)
}

// TestIndexRebuiltForAnotherCatalog: an index built with another binary's
// built-in catalog is rebuilt at Open.
func TestIndexRebuiltForAnotherCatalog(t *testing.T) {
	s, k := openTemp(t)
	path := s.path
	err := s.Update(func(tx *Tx) error {
		if err := tx.PutStack(indexStack("alpha")); err != nil {
			return err
		}
		// What an index of another catalog may hold: a stale record.
		if err := tx.Put(bucketPorts, "1/tcp", []PortClaim{{Stack: "alpha", Instance: "cache", Host: 1, Protocol: "tcp"}}); err != nil {
			return err
		}
		meta, _ := tx.bucket(bucketMeta)
		return meta.Put([]byte(keyIndexCatalog), []byte("another"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path, k)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	_ = s2.View(func(tx *Tx) error {
		if c, _ := tx.PortClaims(1, "tcp"); len(c) != 0 {
			t.Errorf("stale claims kept: %+v", c)
		}
		if cur, err := tx.indexCurrent(); err != nil || !cur {
			t.Errorf("index current = %v, %v", cur, err)
		}
		return nil
	})
}

// TestContainerOwnersFromStackIndex: a container name is owned by the
// stacks whose name ends at one of its hyphens and that define the rest as
// an instance; data stored before clashes were refused may give two.
func TestContainerOwnersFromStackIndex(t *testing.T) {
	s, _ := openTemp(t)
	stack := func(name string, insts ...string) core.Stack {
		st := core.Stack{Name: name, Lineage: "lin-" + name, Serial: 1}
		for _, i := range insts {
			st.Instances = append(st.Instances, core.Instance{Name: i, Template: "redis", Enabled: true})
		}
		return st
	}
	if err := s.Update(func(tx *Tx) error {
		for _, st := range []core.Stack{stack("a", "b-c", "web"), stack("a-b", "c"), stack("shop", "db")} {
			if err := tx.PutStack(st); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want []ContainerOwner
	}{
		{"devarch-a-web", []ContainerOwner{{"a", "web"}}},
		{"devarch-a-b-c", []ContainerOwner{{"a", "b-c"}, {"a-b", "c"}}},
		{"devarch-shop-db", []ContainerOwner{{"shop", "db"}}},
		{"devarch-shop-api", nil},
		{"devarch-nope-db", nil},
		{"shop-db", nil},
		{"devarch-", nil},
		{"devarch--", nil},
		{"devarch-shop-", nil},
	}
	err := s.View(func(tx *Tx) error {
		for _, tt := range tests {
			got, err := tx.ContainerOwners(tt.name)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ContainerOwners(%q) = %+v, %v; want %+v", tt.name, got, err, tt.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Removing a stack's definition takes its names with it.
	if err := s.Update(func(tx *Tx) error { return tx.DeleteStack("a-b") }); err != nil {
		t.Fatal(err)
	}
	_ = s.View(func(tx *Tx) error {
		if got, _ := tx.ContainerOwners("devarch-a-b-c"); !reflect.DeepEqual(got, []ContainerOwner{{"a", "b-c"}}) {
			t.Errorf("after removing a-b: owners = %+v", got)
		}
		return nil
	})
}
