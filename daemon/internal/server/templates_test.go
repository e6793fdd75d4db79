package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func TestTemplates(t *testing.T) {
	e := newSrvEnv(t)
	rec := e.do("GET", "/v1/templates", nil)
	list := srvOK[[]core.Template](t, rec, http.StatusOK)
	noSecrets(t, "template ls", rec.Body.String())
	var names []string
	for _, tpl := range list {
		names = append(names, tpl.Name)
		if tpl.Name == "postgres" && !tpl.Builtin {
			t.Error("postgres is not marked built-in")
		}
	}
	if !slices.IsSorted(names) || !slices.Contains(names, "postgres") || !slices.Contains(names, "xdb") {
		t.Errorf("template ls = %v", names)
	}

	show := srvOK[core.Template](t, e.do("GET", "/v1/templates/xdb", nil), http.StatusOK)
	if show.Env["POSTGRES_PASSWORD"].Value != core.Redacted || show.Files[0].Content != core.Redacted {
		t.Errorf("template show not redacted: %+v", show)
	}
	srvErr(t, e.do("GET", "/v1/templates/nope", nil), http.StatusNotFound, api.CodeNotFound)

	web := core.Template{Name: "web", Image: "docker.io/library/nginx:1.27", Ports: []core.Port{{Host: 8081, Container: 80}}}
	srvOK[core.Template](t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: web}), http.StatusCreated)
	srvErr(t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: web}), http.StatusConflict, api.CodeConflict)
	web.Image = "docker.io/library/nginx:1.28"
	got := srvOK[core.Template](t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: web, Replace: true}), http.StatusOK)
	if got.Image != web.Image {
		t.Errorf("replaced template = %+v", got)
	}

	t.Run("invalid", func(t *testing.T) {
		bad := core.Template{Name: "bad", Image: "nginx"}
		srvErr(t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: bad}), http.StatusBadRequest, api.CodeInvalid)
		srvErr(t, e.do("GET", "/v1/templates/bad", nil), http.StatusNotFound, api.CodeNotFound)
	})
	t.Run("shadow built-in", func(t *testing.T) {
		pg := core.Template{Name: "postgres", Image: "docker.io/library/postgres:9"}
		got := srvErr(t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: pg, Replace: true}), http.StatusBadRequest, api.CodeInvalid)
		if !hasField(got, "template.name") {
			t.Errorf("fields = %+v", got.Fields)
		}
		srvErr(t, e.do("DELETE", "/v1/templates/postgres", nil), http.StatusConflict, api.CodeConflict)
	})
	t.Run("in use", func(t *testing.T) {
		e.stack("shop")
		got := srvErr(t, e.do("DELETE", "/v1/templates/xapi", nil), http.StatusConflict, api.CodeConflict)
		if !strings.Contains(got.Message, "shop/api") {
			t.Errorf("message = %q", got.Message)
		}
		// A replacement that would break a stack using it is refused.
		xapi := srvTemplates()[1]
		xapi.Ports = []core.Port{{Host: 15432, Container: 80}}
		got = srvErr(t, e.do("POST", "/v1/templates", api.TemplateAddRequest{Template: xapi, Replace: true}), http.StatusBadRequest, api.CodeInvalid)
		if !strings.Contains(got.Message, "shop") {
			t.Errorf("message = %q", got.Message)
		}
	})
	srvOK[struct{}](t, e.do("DELETE", "/v1/templates/web", nil), http.StatusOK)
	srvErr(t, e.do("DELETE", "/v1/templates/web", nil), http.StatusNotFound, api.CodeNotFound)
}
