package core

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func sampleDesired() Desired {
	return Desired{Stack: "shop", Services: []WiredService{
		{Service: Service{Instance: "db", Image: "docker.io/library/postgres:16",
			Env: map[string]EnvVar{
				"POSTGRES_PASSWORD": {Value: "s3cret-pass", Secret: true},
				"POSTGRES_USER":     {Value: "app"},
				"EMPTY":             {Value: "", Secret: true},
			},
			Files: []ConfigFile{
				{Target: "/etc/tls.key", Content: "PRIVATE-KEY-BYTES", Sensitive: true},
				{Target: "/etc/app.conf", Content: "listen 80"},
			}}},
		{Service: Service{Instance: "app",
			Env: map[string]EnvVar{
				"DB_PASSWORD": {Value: "s3cret-pass", Secret: true},
				"DB_URL":      {Value: "postgres://app:s3cret-pass@db/app", Secret: true},
			}}},
	}}
}

func TestRedactEnvVar(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   EnvVar
		want string
	}{
		{"secret", EnvVar{Value: "pw", Secret: true}, Redacted},
		{"secret empty", EnvVar{Secret: true}, Redacted},
		{"plain", EnvVar{Value: "plain"}, "plain"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := RedactEnvVar(tt.in); got != tt.want {
				t.Errorf("RedactEnvVar(%+v) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestRedactValues runs every redacting function on a value holding a
// secret env value and a sensitive file, and checks the result hides both,
// keeps the plain ones, and leaves the argument untouched.
func TestRedactValues(t *testing.T) {
	env := func() map[string]EnvVar {
		return map[string]EnvVar{"PW": {Value: "pw-1", Secret: true}, "MODE": {Value: "dev"}}
	}
	files := func() []ConfigFile {
		return []ConfigFile{{Target: "/k", Content: "key-1", Sensitive: true}, {Target: "/c", Content: "plain-1"}}
	}
	overrides := func() Overrides {
		return Overrides{Env: env(), Files: map[string]ConfigFile{"/k": files()[0], "/c": files()[1]}}
	}
	tests := []struct {
		name   string
		in     func() any
		redact func(any) any
		plain  []string // kept as they are; nil: both plain values
	}{
		{"env", func() any { return env() }, func(v any) any { return RedactEnv(v.(map[string]EnvVar)) }, []string{"dev"}},
		{"files", func() any { return files() }, func(v any) any { return RedactFiles(v.([]ConfigFile)) }, []string{"plain-1"}},
		{"service", func() any { return Service{Instance: "db", Env: env(), Files: files()} },
			func(v any) any { return RedactService(v.(Service)) }, nil},
		{"template", func() any { return Template{Name: "db", Env: env(), Files: files()} },
			func(v any) any { return RedactTemplate(v.(Template)) }, nil},
		{"overrides", func() any { return overrides() }, func(v any) any { return RedactOverrides(v.(Overrides)) }, nil},
		{"instance", func() any { return Instance{Name: "db", Overrides: overrides()} },
			func(v any) any { return RedactInstance(v.(Instance), Template{}) }, nil},
		{"stack", func() any { return Stack{Name: "shop", Instances: []Instance{{Name: "db", Overrides: overrides()}}} },
			func(v any) any { return RedactStack(v.(Stack)) }, nil},
		{"desired", func() any {
			return Desired{Stack: "shop", Services: []WiredService{{Service: Service{Instance: "db", Env: env(), Files: files()}}}}
		}, func(v any) any { return RedactDesired(v.(Desired)) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in()
			got := jsonOf(t, tt.redact(in))
			for _, secret := range []string{"pw-1", "key-1"} {
				if strings.Contains(got, secret) {
					t.Errorf("secret %q left in %s", secret, got)
				}
			}
			plain := tt.plain
			if plain == nil {
				plain = []string{"dev", "plain-1"}
			}
			for _, plain := range append(plain, Redacted) {
				if !strings.Contains(got, plain) {
					t.Errorf("%q missing from %s", plain, got)
				}
			}
			if !reflect.DeepEqual(in, tt.in()) {
				t.Errorf("argument modified: %+v", in)
			}
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRedactNil(t *testing.T) {
	if RedactEnv(nil) != nil || RedactFiles(nil) != nil {
		t.Error("nil env or files became non-nil")
	}
	if o := RedactOverrides(Overrides{}); o.Env != nil || o.Files != nil {
		t.Errorf("empty overrides = %+v", o)
	}
	if st := RedactStack(Stack{Name: "s"}); st.Instances != nil {
		t.Errorf("stack without instances = %+v", st)
	}
	if d := RedactDesired(Desired{Stack: "s"}).Desired(); d.Services != nil {
		t.Errorf("desired without services = %+v", d)
	}
}

// TestRedactInstanceInheritsSecrecy: an override of a key the template
// marks secret is hidden even when stored with a plain flag.
func TestRedactInstanceInheritsSecrecy(t *testing.T) {
	tpl := Template{Env: map[string]EnvVar{"PW": {Secret: true}},
		Files: []ConfigFile{{Target: "/k", Sensitive: true}}}
	inst := Instance{Name: "db", Overrides: Overrides{
		Env:   map[string]EnvVar{"PW": {Value: "plain-flagged"}, "MODE": {Value: "dev"}},
		Files: map[string]ConfigFile{"/k": {Target: "/k", Content: "plain-file"}},
	}}
	got := RedactInstance(inst, tpl)
	if v := got.Overrides.Env["PW"]; v.Value != Redacted || !v.Secret {
		t.Errorf("env PW = %+v", v)
	}
	if f := got.Overrides.Files["/k"]; f.Content != Redacted || !f.Sensitive {
		t.Errorf("file /k = %+v", f)
	}
	if got.Overrides.Env["MODE"].Value != "dev" {
		t.Errorf("plain env = %+v", got.Overrides.Env["MODE"])
	}
	if inst.Overrides.Env["PW"].Value != "plain-flagged" || inst.Overrides.Env["PW"].Secret {
		t.Error("RedactInstance modified its argument")
	}
}

// TestRedactDesiredFreeText: a secret value inside free text is replaced
// where it appears; values free of secrets are kept as they are.
func TestRedactDesiredFreeText(t *testing.T) {
	const pw = "s3cret-pass"
	d := sampleDesired()
	db := &d.Services[0]
	db.Command = []string{"postgres", "--pw=" + pw}
	db.Entrypoint = []string{"run", pw}
	db.Labels = map[string]string{"pw": pw, "team": "a"}
	db.Healthcheck = &Healthcheck{Test: []string{"CMD", "check", pw}}
	db.Compose = "environment:\n  X: " + pw + "\n"
	db.Exports = []Export{{Name: "pg", Env: map[string]string{"URL": "postgres://u:" + pw + "@db"}}}
	db.Env["PLAIN_URL"] = EnvVar{Value: "postgres://u:" + pw + "@db"}
	db.Files = append(db.Files, ConfigFile{Target: "/etc/plain", Content: "pw=" + pw})
	d.Warnings = []Diagnostic{{Severity: SeverityWarning, Message: "saw " + pw, Hint: "drop " + pw}}

	got := RedactDesired(d).Desired()
	if data := jsonOf(t, got); strings.Contains(data, pw) || strings.Contains(data, "PRIVATE-KEY-BYTES") {
		t.Fatalf("secret left in %s", data)
	}
	r := got.Services[0]
	for _, tt := range []struct{ name, got, want string }{
		{"command", r.Command[1], "--pw=" + Redacted},
		{"entrypoint", r.Entrypoint[1], Redacted},
		{"label", r.Labels["pw"], Redacted},
		{"plain label", r.Labels["team"], "a"},
		{"healthcheck", r.Healthcheck.Test[2], Redacted},
		{"compose", r.Compose, "environment:\n  X: " + Redacted + "\n"},
		{"export env", r.Exports[0].Env["URL"], "postgres://u:" + Redacted + "@db"},
		{"plain env with a secret", r.Env["PLAIN_URL"].Value, "postgres://u:" + Redacted + "@db"},
		{"plain env", r.Env["POSTGRES_USER"].Value, "app"},
		{"plain file", r.Files[1].Content, "listen 80"},
		{"plain file with a secret", r.Files[2].Content, "pw=" + Redacted},
		{"warning", got.Warnings[0].Message, "saw " + Redacted},
		{"hint", got.Warnings[0].Hint, "drop " + Redacted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
			}
		})
	}
	if d.Services[0].Labels["pw"] != pw || d.Services[0].Healthcheck.Test[2] != pw ||
		d.Services[0].Exports[0].Env["URL"] != "postgres://u:"+pw+"@db" || d.Warnings[0].Message != "saw "+pw {
		t.Error("RedactDesired modified its argument")
	}
}

// TestDesiredViewJSON: a view encodes as the Desired it holds and decodes
// back to it.
func TestDesiredViewJSON(t *testing.T) {
	d := Desired{Stack: "shop", Lineage: "l", Serial: 2, Services: []WiredService{{Service: Service{Instance: "db", Env: map[string]EnvVar{"MODE": {Value: "dev"}}}}}}
	v := RedactDesired(d)
	if got, want := jsonOf(t, v), jsonOf(t, d); got != want {
		t.Fatalf("view encodes as %s, desired as %s", got, want)
	}
	var back DesiredView
	if err := json.Unmarshal([]byte(jsonOf(t, v)), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Desired(), d) {
		t.Errorf("decoded %+v, want %+v", back.Desired(), d)
	}
	if got := jsonOf(t, struct {
		D DesiredView `json:"d"`
	}{}); got != `{"d":`+jsonOf(t, Desired{})+`}` {
		t.Errorf("zero view encodes as %s", got)
	}
}
