package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// FuzzRouteBodies sends a fuzzed body and query string
// to one route of api.Routes, picked by route, over a store seeded with a
// small stack and the fake runtime (no engine is called). The wildcards of
// the route's path are the seeded stack's, instance's, template's and
// job's names, or, for wildcard i when bit i of fuzzNames is set, name.
// Whatever the input: no panic, no 5xx but a runtime error the fake
// runtime answered, and after a 4xx answer the store holds what it held.
func FuzzRouteBodies(f *testing.F) {
	f.Add(uint8(0), uint8(0), "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, route, fuzzNames uint8, name, query string, body []byte) {
		e := newTestEnv(t)
		jobID := e.s.Jobs.Record(api.Job{Stack: "shop", Operation: "apply"}, "apply complete").ID
		rt := api.Routes[int(route)%len(api.Routes)]
		path, err := rt.URLPath(wildcardArgs(rt, fuzzNames, name, jobID)...)
		if err != nil {
			t.Fatal(err)
		}
		target := api.Prefix + path
		if query != "" { // GET routes and DELETE wires read their query
			target += "?" + query
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, rt.Method, "http://devarch"+target, strings.NewReader(string(body)))
		if err != nil {
			return // not a request line an HTTP server would parse
		}
		before := dumpStore(t, e.s.Store)
		rec := httptest.NewRecorder()
		served := make(chan struct{})
		go func() {
			defer close(served)
			e.mux.ServeHTTP(rec, req)
		}()
		select {
		case <-served:
		case <-time.After(15 * time.Second):
			t.Fatalf("%s %s with body %q: no answer 15s after the request, its context ended after 3s", rt.Method, target, body)
		}
		t.Logf("%s %s: %d %.300s", rt.Method, target, rec.Code, rec.Body)

		if rec.Code >= 500 {
			var eb api.ErrorBody
			if json.Unmarshal(rec.Body.Bytes(), &eb) != nil || eb.Error == nil || eb.Error.Code != api.CodeRuntime {
				t.Fatalf("%s %s with body %q: %d %s", rt.Method, target, body, rec.Code, rec.Body)
			}
		}
		if rec.Code >= 400 && rec.Code < 500 {
			if after := dumpStore(t, e.s.Store); after != before {
				t.Fatalf("%s %s with body %q answered %d %s but changed the store:\nbefore:\n%s\nafter:\n%s",
					rt.Method, target, body, rec.Code, rec.Body, before, after)
			}
		}
	})
}

// wildcardArgs fills rt's wildcards, in order: bit i of fuzzNames picks
// name for wildcard i, otherwise the seeded record's name.
func wildcardArgs(rt api.Route, fuzzNames uint8, name, jobID string) []string {
	var args []string
	rest := rt.Path
	for i := 0; ; i++ {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			return args
		}
		end := strings.IndexByte(rest[open:], '}') + open
		wildcard := rest[open+1 : end]
		valid := map[string]string{"stack": "shop", "id": jobID}[wildcard]
		if wildcard == "name" {
			valid = "api"
			if strings.HasPrefix(rt.Path, "/templates/") {
				valid = "tdb"
			}
		}
		if fuzzNames&(1<<i) != 0 {
			valid = name
		}
		args = append(args, valid)
		rest = rest[end+1:]
	}
}

// dumpStore renders every record the store's read functions reach: the
// templates, the stacks with their summaries, applied states and runtime
// bindings, and every job with its events.
func dumpStore(t *testing.T, st *store.Store) string {
	t.Helper()
	var b strings.Builder
	add := func(what string, v any) {
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("dump %s: %v", what, err)
		}
		fmt.Fprintf(&b, "%s: %s\n", what, j)
	}
	err := st.View(func(tx *store.Tx) error {
		tpls, err := tx.ListTemplates()
		if err != nil {
			return err
		}
		add("templates", tpls)
		stacks, err := tx.ListStacks()
		if err != nil {
			return err
		}
		add("stacks", stacks)
		sums, err := tx.ListSummaries()
		if err != nil {
			return err
		}
		add("summaries", sums)
		for _, s := range stacks {
			ap, err := tx.GetApplied(s.Name)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			add("applied "+s.Name, ap)
			bd, err := tx.GetBinding(s.Name)
			if err != nil && !store.IsNotFound(err) {
				return err
			}
			add("binding "+s.Name, bd)
		}
		jobs, err := tx.ListJobs()
		if err != nil {
			return err
		}
		add("jobs", jobs)
		for _, j := range jobs {
			evs, err := tx.Events(j.Job.ID)
			if err != nil {
				return err
			}
			add("events "+j.Job.ID, evs)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("dump store: %v", err)
	}
	return b.String()
}
