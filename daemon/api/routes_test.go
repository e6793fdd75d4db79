package api

import (
	"strings"
	"testing"
)

func TestRouteURLPath(t *testing.T) {
	cases := []struct {
		name    string
		route   Route
		args    []string
		want    string
		wantErr string
	}{
		{"no wildcard", RouteStacks, nil, "/stacks", ""},
		{"two wildcards in order", RouteInstanceRename, []string{"shop", "db"}, "/stacks/shop/instances/db/rename", ""},
		{"a segment is escaped", RouteStack, []string{"a/b c"}, "/stacks/a%2Fb%20c", ""},
		{"too few", RouteInstance, []string{"shop"}, "", "needs more than 1 argument(s)"},
		{"too many", RouteJobs, []string{"j1"}, "", "takes 0 argument(s), got 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.route.URLPath(tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("URLPath = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
