package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

// TestServerServesEveryRouteOnce checks the server against api.Routes:
// every route has a handler and reaches it through the mux under its own
// pattern, no handler is left without a route, and names and patterns are
// unique (a second registration of one pattern would panic).
func TestServerServesEveryRouteOnce(t *testing.T) {
	s := &Server{}
	handlers := s.routeHandlers()
	names, patterns := map[string]bool{}, map[string]bool{}
	for _, rt := range api.Routes {
		if names[rt.Name] || patterns[rt.Pattern()] {
			t.Errorf("route %s (%s) is declared twice", rt.Name, rt.Pattern())
		}
		names[rt.Name], patterns[rt.Pattern()] = true, true
		if handlers[rt.Name] == nil {
			t.Errorf("route %s (%s) has no handler", rt.Name, rt.Pattern())
		}
	}
	for name := range handlers {
		if !names[name] {
			t.Errorf("handler %s has no route in api.Routes", name)
		}
	}
	mux := s.routes()
	for _, rt := range api.Routes {
		args := make([]string, strings.Count(rt.Path, "{"))
		for i := range args {
			args[i] = "x"
		}
		path, err := rt.URLPath(args...)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(rt.Method, api.Prefix+path, nil)
		if _, pattern := mux.Handler(req); pattern != rt.Pattern() {
			t.Errorf("%s %s reaches pattern %q; want %q", rt.Method, path, pattern, rt.Pattern())
		}
	}
	req := httptest.NewRequest(http.MethodGet, api.Prefix+"/nosuch", nil)
	if _, pattern := mux.Handler(req); pattern != "/" {
		t.Errorf("an unknown path reaches %q; want the not-found fallback", pattern)
	}
}
