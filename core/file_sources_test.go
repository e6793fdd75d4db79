package core

import (
	"strings"
	"testing"
)

func sourcedStack() Stack {
	return Stack{Name: "s", Instances: []Instance{
		{Name: "b", Template: "t", Enabled: true, Overrides: Overrides{Files: map[string]ConfigFile{
			"/etc/z.conf": {Target: "/etc/z.conf", Content: "old", Source: "/src/z"},
			"/etc/a.conf": {Target: "/etc/a.conf", Content: "copied"},
		}}},
		{Name: "a", Template: "t", Enabled: true, Overrides: Overrides{Files: map[string]ConfigFile{
			"/etc/y.conf": {Target: "/etc/y.conf", Content: "old-y", Source: "/src/y"},
		}}},
	}}
}

func TestFileSources(t *testing.T) {
	got := FileSources(sourcedStack())
	want := []FileSource{{"a", "/etc/y.conf", "/src/y"}, {"b", "/etc/z.conf", "/src/z"}}
	if len(got) != len(want) {
		t.Fatalf("FileSources = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("FileSources[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestApplySources(t *testing.T) {
	tests := []struct {
		name     string
		contents map[string]string
		wantZ    string
		wantY    string
		wantErr  string
	}{
		{"none sent keeps the stored contents", nil, "old", "old-y", ""},
		{"sent replaces", map[string]string{"/src/z": "new"}, "new", "old-y", ""},
		{"both", map[string]string{"/src/z": "new", "/src/y": "new-y"}, "new", "new-y", ""},
		{"binary refused", map[string]string{"/src/z": "a\x00b"}, "", "", "instances.b.files./etc/z.conf: source /src/z: content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := sourcedStack()
			got, err := ApplySources(st, tt.contents)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := got.Instance("b")
			a, _ := got.Instance("a")
			if c := b.Overrides.Files["/etc/z.conf"].Content; c != tt.wantZ {
				t.Errorf("z = %q, want %q", c, tt.wantZ)
			}
			if c := a.Overrides.Files["/etc/y.conf"].Content; c != tt.wantY {
				t.Errorf("y = %q, want %q", c, tt.wantY)
			}
			if c := b.Overrides.Files["/etc/a.conf"].Content; c != "copied" {
				t.Errorf("a file without a source = %q", c)
			}
			// The input is not changed.
			if c := st.Instances[0].Overrides.Files["/etc/z.conf"].Content; c != "old" {
				t.Errorf("ApplySources changed its input: %q", c)
			}
		})
	}
}

func TestAssumedSourcesAndMergeDropsSource(t *testing.T) {
	st := sourcedStack()
	applied, err := ApplySources(st, map[string]string{"/src/z": "planned"})
	if err != nil {
		t.Fatal(err)
	}
	tpl := Template{Name: "t", Image: "docker.io/library/busybox:1"}
	d, err := Build(applied, map[string]Template{"t": tpl})
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range d.Services {
		for _, f := range svc.Files {
			if f.Source != "" {
				t.Errorf("desired file %s of %s carries source %q", f.Target, svc.Instance, f.Source)
			}
		}
	}
	got := AssumedSources(st, d)
	if got["/src/z"] != "planned" || got["/src/y"] != "old-y" || len(got) != 2 {
		t.Errorf("AssumedSources = %v", got)
	}
}
