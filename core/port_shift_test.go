package core

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestShiftPorts(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ports   []Port
		offset  int
		want    []Port
		wantErr string
	}{
		{"shift up", []Port{{Host: 8080, Container: 80}, {HostIP: "127.0.0.1", Host: 5432, Container: 5432}},
			100, []Port{{Host: 8180, Container: 80}, {HostIP: "127.0.0.1", Host: 5532, Container: 5432}}, ""},
		{"unpublished stays", []Port{{Container: 80}}, 100, []Port{{Container: 80}}, ""},
		{"shift down", []Port{{Host: 8080, Container: 80, Protocol: "udp"}}, -80,
			[]Port{{Host: 8000, Container: 80, Protocol: "udp"}}, ""},
		{"upper bound", []Port{{Host: 65535, Container: 80}}, 1, nil, "host port 65535 shifted by 1 is 65536, outside 1..65535"},
		{"lower bound", []Port{{Host: 10, Container: 80}}, -10, nil, "host port 10 shifted by -10 is 0, outside 1..65535"},
		{"offset near the int limit", []Port{{Host: 8080, Container: 80}}, math.MaxInt - 100, nil,
			fmt.Sprintf("host port 8080 shifted by %d is outside 1..65535", math.MaxInt-100)},
		{"offset near the negative int limit", []Port{{Host: 8080, Container: 80}}, math.MinInt, nil,
			fmt.Sprintf("host port 8080 shifted by %d is outside 1..65535", math.MinInt)},
		{"exact top", []Port{{Host: 65000, Container: 80}}, 535, []Port{{Host: 65535, Container: 80}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ShiftPorts("web", tc.ports, tc.offset)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "instances.web.ports") {
					t.Fatalf("err = %v, want one naming instances.web.ports and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	t.Run("input untouched", func(t *testing.T) {
		in := []Port{{Host: 80, Container: 80}}
		if _, err := ShiftPorts("web", in, 1); err != nil {
			t.Fatal(err)
		}
		if in[0].Host != 80 {
			t.Errorf("input changed to %+v", in)
		}
	})
}

func TestApplyPortChange(t *testing.T) {
	tpl := Template{Ports: []Port{{Host: 8080, Container: 80}, {Container: 9090}}}
	own := []Port{{Host: 3000, Container: 3000}}
	for _, tc := range []struct {
		name    string
		inst    Instance
		change  PortChange
		want    *[]Port
		wantErr string
	}{
		{"keep", Instance{Name: "a"}, PortChange{}, nil, ""},
		{"shift template ports into an override", Instance{Name: "a"}, PortChange{Offset: 1},
			&[]Port{{Host: 8081, Container: 80}, {Container: 9090}}, ""},
		{"shift own override", Instance{Name: "a", Overrides: Overrides{Ports: &own}}, PortChange{Offset: 10},
			&[]Port{{Host: 3010, Container: 3000}}, ""},
		{"no ports keeps unpublished", Instance{Name: "a"}, PortChange{NoPorts: true}, &[]Port{{Container: 9090}}, ""},
		{"no ports on own override", Instance{Name: "a", Overrides: Overrides{Ports: &own}}, PortChange{NoPorts: true}, &[]Port{}, ""},
		{"both refused", Instance{Name: "a"}, PortChange{Offset: 1, NoPorts: true}, nil, "cannot be combined"},
		{"out of range", Instance{Name: "a"}, PortChange{Offset: 60000}, nil, "outside 1..65535"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := tc.inst
			err := ApplyPortChange(&inst, tpl, tc.change)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(inst.Overrides.Ports, tc.want) {
				t.Errorf("ports override = %+v, want %+v", deref(inst.Overrides.Ports), deref(tc.want))
			}
		})
	}
	t.Run("own override not aliased", func(t *testing.T) {
		o := []Port{{Host: 1, Container: 1}}
		inst := Instance{Name: "a", Overrides: Overrides{Ports: &o}}
		if err := ApplyPortChange(&inst, tpl, PortChange{Offset: 1}); err != nil {
			t.Fatal(err)
		}
		if o[0].Host != 1 {
			t.Errorf("source override changed: %+v", o)
		}
	})
}

func deref(p *[]Port) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestCopyStack(t *testing.T) {
	tpls := map[string]Template{"web": {Name: "web", Ports: []Port{{Host: 8080, Container: 80}}}}
	secret := Overrides{Env: map[string]EnvVar{"PASSWORD": {Value: "s3cret", Secret: true}}}
	src := Stack{Name: "shop", Lineage: "abc", Serial: 7, Instances: []Instance{{Name: "api", Template: "web", Enabled: true, Overrides: secret}}}
	for _, tc := range []struct {
		name     string
		dst      string
		change   PortChange
		wantHost int
		wantErr  string
	}{
		{"offset", "shop2", PortChange{Offset: 1000}, 9080, ""},
		{"keep ports", "shop3", PortChange{}, 0, ""},
		{"bad name", "Shop", PortChange{}, 0, "Shop"},
		{"out of range", "shop4", PortChange{Offset: 60000}, 0, "instances.api.ports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CopyStack(src, tpls, tc.dst, tc.change)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.dst || got.Lineage != "" || got.Serial != 0 {
				t.Errorf("identity = %q %q %d, want %q and none", got.Name, got.Lineage, got.Serial, tc.dst)
			}
			if v := got.Instances[0].Overrides.Env["PASSWORD"]; v.Value != "s3cret" || !v.Secret {
				t.Errorf("secret env = %+v, want it copied", v)
			}
			p := got.Instances[0].Overrides.Ports
			switch {
			case tc.wantHost == 0 && p != nil:
				t.Errorf("ports override = %+v, want none", *p)
			case tc.wantHost != 0 && (p == nil || (*p)[0].Host != tc.wantHost):
				t.Errorf("ports override = %+v, want host %d", deref(p), tc.wantHost)
			}
			got.Instances[0].Overrides.Env["PASSWORD"] = EnvVar{Value: "changed"}
			if src.Instances[0].Overrides.Env["PASSWORD"].Value != "s3cret" {
				t.Error("the copy shares its env with the source")
			}
		})
	}
}
