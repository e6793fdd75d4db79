package state

import (
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

// The checks across stacks read the store's index; these tests compare
// every answer with the one a full scan of the stored stacks gives (what
// the daemon computed before the index).

// fullNetworks is every stack's networks, read from every stack and
// applied snapshot.
func fullNetworks(t *testing.T, tx *store.Tx) core.Networks {
	t.Helper()
	stacks, err := tx.ListStacks()
	if err != nil {
		t.Fatal(err)
	}
	out := core.Networks{}
	for _, st := range stacks {
		ap, err := tx.GetApplied(st.Name)
		switch {
		case err == nil:
			b, _ := tx.GetBinding(st.Name)
			out[st.Name] = core.NewNetStack(st, &ap.Desired, b.Kind)
		case store.IsNotFound(err):
			out[st.Name] = core.NewNetStack(st, nil, "")
		default:
			t.Fatal(err)
		}
	}
	return out
}

// fullOthers is the desired state of every other stack that builds.
func fullOthers(t *testing.T, tx *store.Tx, skip string) []core.Desired {
	t.Helper()
	stacks, err := tx.ListStacks()
	if err != nil {
		t.Fatal(err)
	}
	tpls, err := Templates(tx)
	if err != nil {
		t.Fatal(err)
	}
	var out []core.Desired
	for _, o := range stacks {
		if o.Name == skip {
			continue
		}
		if d, err := core.Build(o, tpls); err == nil {
			out = append(out, d)
		}
	}
	return out
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func inst(name, tpl string) core.Instance {
	return core.Instance{Name: name, Template: tpl, Enabled: true}
}

func withPort(i core.Instance, ip string, port int) core.Instance {
	i.Overrides.Ports = &[]core.Port{{HostIP: ip, Host: port, Container: 80}}
	return i
}

// home is a store with stacks that join each other (a chain, a diamond,
// an old cycle), share instance names, publish host ports on wildcard and
// specific IPs, and some applied.
func home(t *testing.T) *store.Store {
	t.Helper()
	var k secrets.Key
	k[0] = 7
	s, err := store.Open(filepath.Join(t.TempDir(), store.DBFile), k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	web := core.Template{Name: "web", Image: "example/web:1", Ports: []core.Port{{Host: 8080, Container: 80}}}
	stacks := []core.Stack{
		{Name: "a", Instances: []core.Instance{inst("db", "postgres"), inst("web", "web")}},
		{Name: "b", JoinNetworks: []string{"a"}, Instances: []core.Instance{inst("api", "web"), withPort(inst("cache", "redis"), "127.0.0.1", 6379)}},
		{Name: "c", JoinNetworks: []string{"a", "d"}, Instances: []core.Instance{inst("worker", "redis")}},
		{Name: "d", Instances: []core.Instance{inst("db", "postgres"), withPort(inst("x", "web"), "::1", 9000)}},
		{Name: "e", JoinNetworks: []string{"f"}, Instances: []core.Instance{inst("q", "redis")}},
		{Name: "f", JoinNetworks: []string{"e"}, Instances: []core.Instance{inst("q2", "redis")}},
		{Name: "lone", Instances: []core.Instance{withPort(inst("w", "web"), "0.0.0.0", 9000), inst("db", "postgres")}},
		{Name: "k", Instances: []core.Instance{inst("x-y", "redis")}},
		{Name: "broken", Instances: []core.Instance{withPort(inst("w", "missing"), "", 8080)}},
	}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	err = s.Update(func(tx *store.Tx) error {
		if err := tx.PutTemplate(web); err != nil {
			return err
		}
		for _, st := range stacks {
			if err := tx.PutStack(st); err != nil {
				return err
			}
		}
		// b's applied containers still join d (its definition no longer does).
		d := core.Desired{Stack: "b", JoinNetworks: []string{"d"}, Services: []core.WiredService{{Service: core.Service{Instance: "old"}}}}
		if err := tx.PutApplied("b", store.Applied{Desired: d, AppliedAt: at}, store.RuntimeBinding{Kind: "podman"}); err != nil {
			return err
		}
		return tx.PutApplied("a", store.Applied{Desired: core.Desired{Stack: "a"}, AppliedAt: at}, store.RuntimeBinding{Kind: "docker"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIndexChecksMatchFullScan(t *testing.T) {
	s := home(t)
	names := []string{"a", "b", "c", "d", "e", "f", "lone", "k", "broken", "new"}
	err := s.View(func(tx *store.Tx) error {
		all := fullNetworks(t, tx)
		tpls, err := Templates(tx)
		if err != nil {
			return err
		}
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				gotAll, gotApplied, err := Joiners(tx, name)
				wantAll, wantApplied := all.Joiners(name)
				if err != nil || !reflect.DeepEqual(gotAll, wantAll) || !reflect.DeepEqual(gotApplied, wantApplied) {
					t.Errorf("joiners = %v %v, %v; full scan %v %v", gotAll, gotApplied, err, wantAll, wantApplied)
				}
				st, err := tx.GetStack(name)
				if store.IsNotFound(err) {
					st = core.Stack{Name: name}
				} else if err != nil {
					t.Fatal(err)
				}
				// Candidate changes: as stored, with a new instance named
				// like others', and joining other stacks.
				cands := []core.Stack{st}
				more := st
				more.Instances = append(append([]core.Instance{}, st.Instances...), inst("db", "postgres"), inst("q", "redis"), inst("y", "redis"))
				cands = append(cands, more)
				for _, j := range []string{"a", "d", "e", "nosuch", name} {
					c := st
					c.JoinNetworks = append(append([]string{}, st.JoinNetworks...), j)
					cands = append(cands, c)
				}
				for i, c := range cands {
					had := map[string]bool{}
					for _, in := range st.Instances {
						had[in.Name] = true
					}
					var old *core.Stack
					if o, err := tx.GetStack(name); err == nil {
						old = &o
					}
					got := CheckJoins(tx, c, had)
					want := core.CheckJoins(old, c, had, func() (core.Networks, error) { return all, nil })
					if errText(got) != errText(want) {
						t.Errorf("candidate %d: CheckJoins = %v\nfull scan: %v", i, got, want)
					}
					gotNets, gotErr := CheckNetworkPlan(tx, c)
					wantNets, wantErr := core.CheckNetworkPlan(all, c)
					if errText(gotErr) != errText(wantErr) {
						t.Errorf("candidate %d: CheckNetworkPlan = %v\nfull scan: %v", i, gotErr, wantErr)
					}
					if gotErr == nil && fmt.Sprint(core.JoinWarnings(c, gotNets, "docker")) != fmt.Sprint(core.JoinWarnings(c, wantNets, "docker")) {
						t.Errorf("candidate %d: join warnings %v, full scan %v", i, core.JoinWarnings(c, gotNets, "docker"), core.JoinWarnings(c, wantNets, "docker"))
					}
					stacks, _ := tx.ListStacks()
					wantOwners := core.ContainerOwners(stacks, name)
					gotOwners, err := ContainerOwners(tx, c)
					if err != nil {
						t.Fatal(err)
					}
					if errText(core.ContainerClashes(c, gotOwners)) != errText(core.ContainerClashes(c, wantOwners)) {
						t.Errorf("candidate %d: container clashes differ", i)
					}
					gotCN := core.CheckContainerNames(c, had, func() (map[string]core.ContainerOwner, error) { return ContainerOwners(tx, c) })
					wantCN := core.CheckContainerNames(c, had, func() (map[string]core.ContainerOwner, error) { return wantOwners, nil })
					if errText(gotCN) != errText(wantCN) {
						t.Errorf("candidate %d: CheckContainerNames = %v\nfull scan: %v", i, gotCN, wantCN)
					}
					d, err := core.Build(c, tpls)
					if err != nil {
						continue
					}
					others, err := OtherPorts(tx, d)
					if err != nil {
						t.Fatal(err)
					}
					gotPC, wantPC := core.PortConflicts(d, others), core.PortConflicts(d, fullOthers(t, tx, name))
					if fmt.Sprint(gotPC) != fmt.Sprint(wantPC) {
						t.Errorf("candidate %d: port conflicts %v\nfull scan: %v", i, gotPC, wantPC)
					}
				}
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIndexChecksFindSomething keeps the comparison above honest: the home
// has clashes, cycles, joiners and port conflicts to find.
func TestIndexChecksFindSomething(t *testing.T) {
	s := home(t)
	_ = s.View(func(tx *store.Tx) error {
		if all, applied, _ := Joiners(tx, "d"); !reflect.DeepEqual(all, []string{"b", "c"}) || !reflect.DeepEqual(applied, []string{"b"}) {
			t.Errorf("joiners of d = %v, %v", all, applied)
		}
		if _, err := CheckNetworkPlan(tx, core.Stack{Name: "e", JoinNetworks: []string{"f"}, Instances: []core.Instance{inst("q", "redis")}}); err == nil {
			t.Error("no join cycle e -> f -> e")
		}
		if err := CheckJoins(tx, core.Stack{Name: "b", JoinNetworks: []string{"a"}, Instances: []core.Instance{inst("api", "web"), inst("db", "postgres")}},
			map[string]bool{"api": true}); err == nil {
			t.Error("no clash of b's new db with a's db on a's network")
		}
		tpls, _ := Templates(tx)
		st, _ := tx.GetStack("lone")
		d, err := core.Build(st, tpls)
		if err != nil {
			t.Fatal(err)
		}
		others, _ := OtherPorts(tx, d)
		if got := core.PortConflicts(d, others); len(got) != 1 || got[0].Instance != "w" {
			t.Errorf("port conflicts of lone = %v, want its 0.0.0.0:9000 against d's [::1]:9000", got)
		}
		owners, _ := ContainerOwners(tx, core.Stack{Name: "k-x", Instances: []core.Instance{inst("y", "redis")}})
		if owners["devarch-k-x-y"] != (core.ContainerOwner{Stack: "k", Instance: "x-y"}) {
			t.Errorf("owners = %v", owners)
		}
		return nil
	})
}
