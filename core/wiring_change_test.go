package core

import (
	"slices"
	"testing"
)

func TestWiringBreaks(t *testing.T) {
	withImage := func(i Instance, image string) Instance { i.Overrides.Image = ptr(image); return i }
	dropExports := func(name string) func(map[string]Template) {
		return func(tpls map[string]Template) { t := tpls[name]; t.Exports = nil; tpls[name] = t }
	}
	tests := []struct {
		name          string
		before, after Stack
		templates     func(map[string]Template) // changes the templates the after stack uses
		errs          []string                  // substrings, one per error, in order
		warns         []string
		hint          string // hint of the first error
	}{
		{
			name:   "removing the only provider of a required auto-wired import",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance web: required import db (postgres) has no provider: no enabled instance of stack shop exports postgres"},
		},
		{
			name:   "removing the only provider of a required explicitly wired import",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance web: required import db (postgres) has no provider"},
		},
		{
			name:   "removing the provider of an optional import is a warning",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("web", "web")}},
			warns:  []string{"instance web: optional import cache (redis) has no provider: no enabled instance of stack shop exports redis; it stays unwired"},
		},
		{
			name:   "removing an explicit provider when another one remains says where the import goes",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db2")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			warns:  []string{"instance web: import db (postgres) is now wired automatically to db; it was wired to db2"},
		},
		{
			name:   "a second provider makes an auto-wired import ambiguous; the hint keeps the current one",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db-copy", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"import db (postgres) is ambiguous: 2 instances export postgres (db, db-copy)"},
			hint:   "devarch wire shop web.db db",
		},
		{
			name:   "a second provider of an optional import is an error too: a plan refuses ambiguity",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("cache2", "redis"), inst("web", "web")}},
			errs:   []string{"import cache (redis) is ambiguous: 2 instances export redis (cache, cache2)"},
			hint:   "devarch wire shop web.cache cache",
		},
		{
			name:   "a second provider leaves an explicitly wired import alone",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
		},
		{
			name:      "a template that drops an export a required auto-wire uses",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			templates: dropExports("postgres"),
			errs:      []string{"required import db (postgres) has no provider"},
		},
		{
			name:      "a template that drops an export an explicit wire uses",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}, Wires: []Wire{wire("web", "db", "db")}},
			templates: dropExports("postgres"),
			errs:      []string{"import db (postgres) is wired to instance db, which exports no postgres contract (it exports: nothing)"},
		},
		{
			name:      "a template that drops an export an optional import uses is a warning",
			before:    Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:     Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			templates: dropExports("redis"),
			warns:     []string{"optional import cache (redis) has no provider"},
		},
		{
			name:   "a template that gives the provider a second export of the type",
			before: Stack{Instances: []Instance{inst("q", "httpd"), inst("c", "gw")}},
			after:  Stack{Instances: []Instance{inst("q", "httpd"), inst("c", "gw")}},
			templates: func(tpls map[string]Template) {
				t := tpls["httpd"]
				t.Exports = append(slices.Clone(t.Exports), Export{Name: "admin", Type: ContractHTTP, Port: 81})
				tpls["httpd"] = t
			},
			errs: []string{"import up (http) is ambiguous: its only provider is instance q, which has 2 exports of type http (admin, site)"},
			hint: "devarch wire shop c.up q.site",
		},
		{
			name:   "a template that drops the export an explicit wire names",
			before: Stack{Instances: []Instance{inst("p", "multi"), inst("c", "gw")}, Wires: []Wire{wireExport("c", "up", "p", "admin")}},
			after:  Stack{Instances: []Instance{inst("p", "multi"), inst("c", "gw")}, Wires: []Wire{wireExport("c", "up", "p", "admin")}},
			templates: func(tpls map[string]Template) {
				t := tpls["multi"]
				t.Exports = slices.DeleteFunc(slices.Clone(t.Exports), func(e Export) bool { return e.Name == "admin" })
				tpls["multi"] = t
			},
			errs: []string{`import up (http) is wired to p.admin, but instance p has no export "admin" (its exports: metrics (x-metrics), web (http))`},
		},
		{
			name:   "an image override that leaves the provider's exports stale",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{withImage(inst("db", "postgres"), "ghcr.io/acme/pg:1"), inst("cache", "redis"), inst("web", "web")}},
			errs:   []string{"instance db overrides the image of template postgres without redeclaring its exports"},
			hint:   StaleExportsHint("shop", "db"),
		},
		{
			name:   "removing the consumer breaks nothing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis")}},
		},
		{
			name:   "disabling the consumer breaks nothing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("cache", "redis"), disabled(inst("web", "web"))}},
		},
		{
			name:   "an import that was already broken is not the change's doing",
			before: Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("cache", "redis"), inst("web", "web")}},
			after:  Stack{Instances: []Instance{inst("db", "postgres"), inst("db2", "postgres"), inst("db3", "postgres"), inst("cache", "redis"), inst("web", "web")}},
		},
		{
			name:   "a new consumer without a provider is not a break",
			before: Stack{Instances: []Instance{inst("cache", "redis")}},
			after:  Stack{Instances: []Instance{inst("cache", "redis"), inst("web", "web")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.before.Name, tc.after.Name = "shop", "shop"
			before, _, _ := Resolve(tc.before, effective(t, tc.before))
			tpls := wiringTemplates()
			if tc.templates != nil {
				tc.templates(tpls)
			}
			errs, warns := WiringBreaks(before, tc.after, tpls)
			checkDiags(t, "errors", errs, tc.errs)
			checkDiags(t, "warnings", warns, tc.warns)
			if tc.hint != "" && firstHint(errs) != tc.hint {
				t.Errorf("hint = %q, want %q", firstHint(errs), tc.hint)
			}
			for _, d := range errs {
				if d.Severity != SeverityError {
					t.Errorf("error %v has severity %q", d, d.Severity)
				}
			}
			for _, d := range warns {
				if d.Severity != SeverityWarning {
					t.Errorf("warning %v has severity %q", d, d.Severity)
				}
			}
		})
	}
}
