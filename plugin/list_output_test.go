package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// listDaemon answers every list command with two items.
func listDaemon() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		enc := json.NewEncoder(w)
		switch r.URL.Path {
		case "/v1/stacks":
			enc.Encode([]api.StackSummary{{Name: "blog", Instances: 1}, {Name: "shop", Instances: 3, Description: "the shop"}})
		case "/v1/stacks/shop/instances":
			enc.Encode([]api.InstanceSummary{{Name: "api", Template: "shop-api"}, {Name: "db", Template: "postgres"}})
		case "/v1/stacks/shop/ps":
			enc.Encode([]api.Container{{Instance: "api", Name: "devarch-shop-api", State: "running"},
				{Instance: "db", Name: "devarch-shop-db", State: "exited"}})
		case "/v1/templates":
			enc.Encode([]core.Template{{Name: "postgres", Image: "docker.io/library/postgres:16"}, {Name: "redis", Image: "docker.io/library/redis:7"}})
		case "/v1/jobs":
			enc.Encode([]api.Job{{ID: "j2", Stack: "shop", State: api.JobSucceeded}, {ID: "j1", Stack: "blog", State: api.JobFailed}})
		default:
			apiError(w, 500, api.Error{Code: api.CodeInternal, Message: "unexpected " + r.URL.Path})
		}
	})
}

func TestListOutput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"stack ls -q", []string{"stack", "ls", "-q"}, "blog\nshop\n"},
		{"instance ls -q", []string{"instance", "ls", "shop", "-q"}, "api\ndb\n"},
		{"ps -q names the containers", []string{"ps", "shop", "--quiet"}, "devarch-shop-api\ndevarch-shop-db\n"},
		{"template ls -q", []string{"template", "ls", "-q"}, "postgres\nredis\n"},
		{"jobs -q", []string{"jobs", "-q"}, "j2\nj1\n"},
		{"a template per item", []string{"ps", "shop", "--format", "{{.Instance}}={{.State}}"}, "api=running\ndb=exited\n"},
		{"template functions", []string{"stack", "ls", "--format", "{{upper .Name}} {{json .Instances}}"}, "BLOG 1\nSHOP 3\n"},
		{"table with a header", []string{"stack", "ls", "--format", `table {{.Name}}\t{{.Instances}}\t{{.Description}}`},
			"NAME  INSTANCES  DESCRIPTION\nblog  1          \nshop  3          the shop\n"},
		{"json a line", []string{"jobs", "--format", "json"},
			`{"id":"j2","stack":"shop","operation":"","state":"succeeded","created_at":"0001-01-01T00:00:00Z"}` + "\n" +
				`{"id":"j1","stack":"blog","operation":"","state":"failed","created_at":"0001-01-01T00:00:00Z"}` + "\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, listDaemon(), "")
			if code := c.execute(context.Background(), tc.args); code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if out.String() != tc.want {
				t.Errorf("stdout =\n%q\nwant\n%q", out.String(), tc.want)
			}
		})
	}
}

func TestListOutputRefusals(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"-q and --json", []string{"stack", "ls", "-q", "--json"}, "--json and --quiet exclude each other"},
		{"-q and --format", []string{"ps", "shop", "-q", "--format", "{{.Name}}"}, "--quiet and --format exclude each other"},
		{"a broken template", []string{"jobs", "--format", "{{.ID"}, "--format: template"},
		{"an unknown field", []string{"template", "ls", "--format", "{{.Nope}}"}, "can't evaluate field Nope"},
		{"table without a template", []string{"stack", "ls", "--format", "table"}, "--format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, out, errOut := fakeDaemon(t, listDaemon(), "")
			if code := c.execute(context.Background(), tc.args); code != 1 || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d; want 1 with %q\n%s%s", code, tc.want, out, errOut)
			}
			if out.Len() != 0 {
				t.Errorf("a refused listing printed:\n%s", out)
			}
		})
	}
}

func TestHeaderName(t *testing.T) {
	for in, want := range map[string]string{"Name": "NAME", "AppliedSerial": "APPLIED SERIAL", "ID": "ID", "RuntimeKind": "RUNTIME KIND"} {
		if got := headerName(in); got != want {
			t.Errorf("headerName(%q) = %q; want %q", in, got, want)
		}
	}
}
