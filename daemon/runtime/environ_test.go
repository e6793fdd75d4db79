package runtime

import (
	"context"
	"os"
	"testing"
)

func TestEngineCommandsGetOnlyTheAllowedEnvironment(t *testing.T) {
	t.Setenv("SECRET_X", "secret-x-value")
	t.Setenv("DEVARCH_PASSPHRASE", "pass-value")
	t.Setenv("COMPOSE_FILE", "/elsewhere.yml")
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/4242")
	f := newFake(t, "docker")
	e := mustEngine(t, Spec{Kind: KindDocker, Binary: f.path("docker"), Env: map[string]string{"DOCKER_CONTEXT": "ci"}})
	if _, err := e.Volumes(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	c := f.only()
	for _, k := range []string{"SECRET_X", "DEVARCH_PASSPHRASE", "COMPOSE_FILE", "FAKE_DIR"} {
		if v, ok := c.Env[k]; ok {
			t.Errorf("the engine command got %s=%s", k, v)
		}
	}
	for k, want := range map[string]string{"DOCKER_CONTEXT": "ci", "XDG_RUNTIME_DIR": "/run/user/4242", "PATH": os.Getenv("PATH")} {
		if c.Env[k] != want {
			t.Errorf("%s = %q, want %q", k, c.Env[k], want)
		}
	}
}
