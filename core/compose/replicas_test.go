package compose

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// loadBytes loads a generated project with compose-go, validation and
// normalization on, as docker compose would.
func loadBytes(t *testing.T, data []byte) *types.Project {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  t.TempDir(),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: data}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SkipValidation = false
		o.SkipNormalization = false
		o.SkipConsistencyCheck = false
	})
	if err != nil {
		t.Fatalf("compose-go refuses the generated project: %v\n%s", err, data)
	}
	return p
}

func intp(n int) *int { return &n }

func TestReplicas(t *testing.T) {
	st := shopStack("rep")
	api, _ := st.Instance("api")
	api.Overrides.Replicas = intp(3)
	api.Overrides.Ports = &[]core.Port{{Container: 8080}}
	api.Overrides.Compose = "deploy:\n  resources:\n    limits:\n      memory: 64m\n"
	cache, _ := st.Instance("cache")
	cache.Overrides.Replicas = intp(0)
	out, err := Generate(build(t, st), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := loadBytes(t, out)

	a := p.Services["api"]
	if a.Deploy == nil || a.Deploy.Replicas == nil || *a.Deploy.Replicas != 3 {
		t.Fatalf("api deploy = %+v, want replicas 3", a.Deploy)
	}
	if a.Deploy.Resources.Limits == nil || a.Deploy.Resources.Limits.MemoryBytes != 64<<20 {
		t.Errorf("api deploy.resources from the fragment lost: %+v", a.Deploy.Resources)
	}
	if a.ContainerName != "" {
		t.Errorf("api container_name = %q; compose refuses one on a service with 3 replicas", a.ContainerName)
	}
	aliases := a.Networks[core.NetworkName("rep")].Aliases
	if !slices.Contains(aliases, "api") || !slices.Contains(aliases, core.ContainerName("rep", "api")) {
		t.Errorf("api aliases = %v, want the instance name and devarch-rep-api", aliases)
	}
	if h := a.Environment["DB_HOST"]; h == nil || *h != core.ContainerName("rep", "db") {
		t.Errorf("api DB_HOST = %v, want devarch-rep-db", a.Environment["DB_HOST"])
	}

	c := p.Services["cache"]
	if c.Deploy == nil || c.Deploy.Replicas == nil || *c.Deploy.Replicas != 0 {
		t.Errorf("cache deploy = %+v, want replicas 0", c.Deploy)
	}
	if c.ContainerName != core.ContainerName("rep", "cache") {
		t.Errorf("cache container_name = %q, want it kept with 0 replicas", c.ContainerName)
	}

	db := p.Services["db"]
	if db.Deploy != nil {
		t.Errorf("db sets no replicas but deploy = %+v", db.Deploy)
	}
	if db.ContainerName != core.ContainerName("rep", "db") {
		t.Errorf("db container_name = %q", db.ContainerName)
	}
}

func TestFragmentMayNotSetReplicas(t *testing.T) {
	err := ValidateFragment("s", "api", "deploy:\n  replicas: 2\n")
	if err == nil || !strings.Contains(err.Error(), "deploy.replicas") || !strings.Contains(err.Error(), "instances.api.compose") {
		t.Fatalf("fragment setting deploy.replicas = %v, want an error on instances.api.compose naming deploy.replicas", err)
	}
}
