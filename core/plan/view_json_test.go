package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

func richView() View {
	return View{
		ID: "p1", Stack: "shop", Lineage: "l", Serial: 3, StateHash: "h",
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Runtime: "docker compose", RuntimeKind: "docker",
		Network: Create,
		Changes: []ResourceChange{
			{Instance: "api", Container: "devarch-shop-api", Template: "shop-api", Action: Update, Reason: "config changed", Fields: []FieldChange{
				{Field: "env.FEATURE", Old: quoteIf("off", true), New: quoteIf("on", true)},
				{Field: "env.NEW", New: quoteIf("tab\there \"q\" \\ é\n", true)},
				{Field: "labels.team", Old: quoteIf("", true), New: quoteIf("core", true)},
				{Field: "command", Old: formatList([]string{"serve"}), New: formatList([]string{"serve", "--port", "8080, 9090", `say "hi"`})},
				{Field: "entrypoint", New: formatList([]string{"/bin/sh", "-c"})},
				{Field: "env.TOKEN", Old: core.Redacted, New: core.Redacted, Secret: true},
				{Field: "ports", Old: "8080:8080", New: "8081:8080"},
				{Field: "image", Old: "docker.io/library/x:1", New: "docker.io/library/x:2"},
			}},
			{Instance: "db", Container: "devarch-shop-db", Action: Create, Privileges: []string{"privileged", "bind /"}},
			{Instance: "cache", Container: "devarch-shop-cache", Action: Replace, Reason: "image changed"},
			{Instance: "old", Container: "devarch-shop-old", Action: Delete},
		},
		Warnings: []string{"w"},
		Summary:  Summary{Create: 1, Update: 1, Replace: 1, Delete: 1},
		Targets:  []string{"api"},
		Included: []Included{{Instance: "db", For: "api"}},
		LeftOut:  []LeftOut{{Instance: "worker", Action: Replace}},
	}
}

func TestViewJSONIsPlain(t *testing.T) {
	b, err := json.Marshal(richView())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Network string `json:"network"`
		Changes []struct {
			Action string `json:"action"`
			Fields []struct {
				Field string `json:"field"`
				Old   any    `json:"old"`
				New   any    `json:"new"`
			} `json:"fields"`
		} `json:"changes"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Network != "create" {
		t.Errorf("network = %q; want create", doc.Network)
	}
	var actions []string
	for _, c := range doc.Changes {
		actions = append(actions, c.Action)
	}
	if want := []string{"update", "create", "replace", "delete"}; !reflect.DeepEqual(actions, want) {
		t.Errorf("actions = %q; want %q", actions, want)
	}
	values := map[string][2]any{}
	for _, f := range doc.Changes[0].Fields {
		values[f.Field] = [2]any{f.Old, f.New}
	}
	want := map[string][2]any{
		"env.FEATURE": {"off", "on"},
		"env.NEW":     {nil, "tab\there \"q\" \\ é\n"},
		"labels.team": {"", "core"},
		"command":     {[]any{"serve"}, []any{"serve", "--port", "8080, 9090", `say "hi"`}},
		"entrypoint":  {nil, []any{"/bin/sh", "-c"}},
		"env.TOKEN":   {core.Redacted, core.Redacted},
		"ports":       {"8080:8080", "8081:8080"},
		"image":       {"docker.io/library/x:1", "docker.io/library/x:2"},
	}
	if !reflect.DeepEqual(values, want) {
		t.Errorf("field values =\n%#v\nwant\n%#v", values, want)
	}
	if strings.Contains(string(b), `\"on\"`) {
		t.Errorf("a value is still double-encoded:\n%s", b)
	}
}

func TestViewJSONRoundTrip(t *testing.T) {
	for _, v := range []View{richView(), {Stack: "empty"}, {Stack: "destroy", Destroy: true, Network: Delete}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var got View
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("unmarshal %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("round trip of %s changed the view:\ngot  %+v\nwant %+v", v.Stack, got, v)
		}
	}
}

func TestViewJSONReadsSymbolsAndRefusesUnknownActions(t *testing.T) {
	var v View
	if err := json.Unmarshal([]byte(`{"stack":"s","network":"+","changes":[{"instance":"a","action":"~"}]}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.Network != Create || v.Changes[0].Action != Update {
		t.Errorf("symbols read as %q, %q; want create and update", v.Network, v.Changes[0].Action)
	}
	err := json.Unmarshal([]byte(`{"stack":"s","changes":[{"instance":"a","action":"explode"}]}`), &v)
	if err == nil || !strings.Contains(err.Error(), `action "explode"`) || !strings.Contains(err.Error(), "instance a") {
		t.Errorf("unknown action: err = %v", err)
	}
}

// The stored plan keeps its encoding: only the View speaks plainly.
func TestPlanJSONKeepsSymbols(t *testing.T) {
	b, err := json.Marshal(Plan{Stack: "s", Network: Create, Changes: []ResourceChange{
		{Instance: "a", Action: Update, Fields: []FieldChange{{Field: "env.X", New: `"on"`}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"network":"+"`, `"action":"~"`, `"new":"\"on\""`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("stored plan JSON lacks %s:\n%s", want, b)
		}
	}
}

// viewJSON must list View's fields, in View's order, under the same JSON
// names, so a field added to View cannot go missing from its JSON (the
// fields holding actions write them by name).
func TestViewJSONHasViewsFields(t *testing.T) {
	if c, w := reflect.TypeFor[ResourceChange]().NumField(), reflect.TypeFor[changeJSON]().NumField(); c != w {
		t.Errorf("ResourceChange has %d fields, changeJSON %d: a change's JSON would drop one", c, w)
	}
	vt, wt := reflect.TypeFor[View](), reflect.TypeFor[viewJSON]()
	if vt.NumField() != wt.NumField() {
		t.Fatalf("View has %d fields, viewJSON %d", vt.NumField(), wt.NumField())
	}
	for i := range vt.NumField() {
		vf, wf := vt.Field(i), wt.Field(i)
		if vf.Name != wf.Name || vf.Tag.Get("json") != wf.Tag.Get("json") {
			t.Errorf("field %d: View %s `%s`, viewJSON %s `%s`", i, vf.Name, vf.Tag, wf.Name, wf.Tag)
		}
		if vf.Name != "Network" && vf.Name != "Changes" && vf.Name != "LeftOut" && vf.Type != wf.Type {
			t.Errorf("field %s: View's type %s, viewJSON's %s", vf.Name, vf.Type, wf.Type)
		}
	}
}
