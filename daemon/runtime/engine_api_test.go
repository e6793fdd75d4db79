package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/engineapi"
)

// fakeAPI is a Docker Engine API on a Unix socket answering what the
// engine's reads ask: /_ping, container listings and inspections, image
// inspections. It records each request's path and query.
type fakeAPI struct {
	socket string

	mu       sync.Mutex
	requests []string

	containers []map[string]any          // the listing, before filters
	inspect    map[string]map[string]any // container ID -> inspection
	images     map[string]string         // ref -> ID
	imageFail  map[string]int            // ref -> HTTP status
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "eapi")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{socket: filepath.Join(shortTempDir(t), "engine.sock"), inspect: map[string]map[string]any{},
		images: map[string]string{}, imageFail: map[string]int{}}
	l, err := net.Listen("unix", f.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(f.serve)}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path+"?"+r.URL.RawQuery)
	f.mu.Unlock()
	if r.URL.Path == "/_ping" {
		w.Header().Set("Api-Version", "1.41")
		w.Write([]byte("OK"))
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/v1.41")
	notFound := func(what string) {
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]string{"message": "No such " + what})
	}
	switch {
	case !ok:
		notFound("version")
	case path == "/containers/json":
		var filters map[string][]string
		if q := r.URL.Query().Get("filters"); q != "" {
			json.Unmarshal([]byte(q), &filters)
		}
		var out []map[string]any
		for _, c := range f.containers {
			labels, _ := c["Labels"].(map[string]string)
			keep := true
			for _, l := range filters["label"] {
				k, v, _ := strings.Cut(l, "=")
				keep = keep && labels[k] == v
			}
			if keep {
				out = append(out, c)
			}
		}
		json.NewEncoder(w).Encode(out)
	case strings.HasPrefix(path, "/containers/") && strings.HasSuffix(path, "/json"):
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/containers/"), "/json")
		if c, ok := f.inspect[id]; ok {
			json.NewEncoder(w).Encode(c)
			return
		}
		notFound("container: " + id)
	case strings.HasPrefix(path, "/images/") && strings.HasSuffix(path, "/json"):
		ref := strings.TrimSuffix(strings.TrimPrefix(path, "/images/"), "/json")
		if code := f.imageFail[ref]; code != 0 {
			w.WriteHeader(code)
			json.NewEncoder(w).Encode(map[string]string{"message": "engine broke on " + ref})
			return
		}
		if id, ok := f.images[ref]; ok {
			json.NewEncoder(w).Encode(map[string]string{"Id": id})
			return
		}
		notFound("image: " + ref)
	default:
		notFound("route")
	}
}

func (f *fakeAPI) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// inspection is testdata/inspect/docker.json's container as the API
// answers it (one object, not `docker inspect`'s array), with id and name.
func inspection(t *testing.T, id, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile("testdata/inspect/docker.json")
	if err != nil {
		t.Fatal(err)
	}
	var arr []map[string]any
	if err := json.Unmarshal(data, &arr); err != nil || len(arr) != 1 {
		t.Fatalf("docker.json: %v (%d entries)", err, len(arr))
	}
	arr[0]["Id"], arr[0]["Name"] = id, "/"+name
	return arr[0]
}

func apiEngine(t *testing.T, socket string) *Engine {
	t.Helper()
	e, err := NewEngine(Spec{Kind: KindDocker, Binary: "docker-is-not-run", Env: map[string]string{"DOCKER_HOST": "unix://" + socket}})
	if err != nil {
		t.Fatal(err)
	}
	if e.api == nil || e.api.Socket() != socket {
		t.Fatalf("engine does not read over %s", socket)
	}
	return e
}

// Containers over the API: one listing filtered by both labels and
// nothing else (no container is inspected: an inspection waits for the
// container's lock); what it lists reads as the CLI's inspect output reads.
func TestAPIContainers(t *testing.T) {
	f := newFakeAPI(t)
	stackLabels := func(inst string) map[string]string {
		return map[string]string{"devarch.managed": "true", "devarch.stack": "samp", "devarch.instance": inst}
	}
	f.containers = []map[string]any{
		{"Id": "abc123", "Names": []string{"/devarch-samp-api"}, "Image": "devarch-testprog:e2e", "ImageID": "sha256:0a",
			"State": "running", "Status": "Up 3 minutes (healthy)", "Labels": stackLabels("api"),
			"Ports": []map[string]any{{"IP": "0.0.0.0", "PrivatePort": 8080, "PublicPort": 18080, "Type": "tcp"}}},
		{"Id": "def456", "Names": []string{"/devarch-samp-db"}, "State": "exited", "Status": "Exited (0) 1 second ago", "Labels": stackLabels("db")},
		{"Id": "fff999", "Names": []string{"/other"}, "Labels": map[string]string{"devarch.managed": "true", "devarch.stack": "other"}},
	}
	f.inspect["abc123"] = inspection(t, "abc123", "devarch-samp-api")
	cs, err := apiEngine(t, f.socket).Containers(context.Background(), "samp")
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("containers = %+v, want devarch-samp-api and devarch-samp-db", cs)
	}
	if c := cs[0]; c.ID != "abc123" || c.Name != "devarch-samp-api" || c.Image != "devarch-testprog:e2e" || c.ImageID != "sha256:0a" ||
		c.State != "running" || c.Health != "healthy" || c.Instance() != "api" || !c.Managed() || c.Ports != "0.0.0.0:18080->8080/tcp" {
		t.Errorf("container = %+v", c)
	}
	if c := cs[1]; c.Name != "devarch-samp-db" || c.State != "exited" || c.Health != "" || c.Instance() != "db" {
		t.Errorf("container = %+v", c)
	}
	reqs := f.seen()
	if len(reqs) != 2 || reqs[0] != "/_ping?" || !strings.HasPrefix(reqs[1], "/v1.41/containers/json?") {
		t.Fatalf("requests = %q, want a ping and one listing", reqs)
	}
	if !strings.Contains(reqs[1], "all=1") || !strings.Contains(reqs[1], "devarch.managed%3Dtrue") || !strings.Contains(reqs[1], "devarch.stack%3Dsamp") {
		t.Errorf("listing %q does not ask for every container with both labels", reqs[1])
	}
}

// ContainersNamed over the API lists every container once and keeps
// those holding one of the names.
func TestAPIContainersNamed(t *testing.T) {
	f := newFakeAPI(t)
	f.containers = []map[string]any{
		{"Id": "abc123", "Names": []string{"/devarch-samp-api"}, "State": "running"},
		{"Id": "fff999", "Names": []string{"/unrelated"}, "State": "running"},
	}
	cs, err := apiEngine(t, f.socket).ContainersNamed(context.Background(), []string{"devarch-samp-api", "/devarch-samp-db"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Name != "devarch-samp-api" || cs[0].State != "running" {
		t.Fatalf("containers = %+v", cs)
	}
	if reqs := f.seen(); len(reqs) != 2 || !strings.HasPrefix(reqs[1], "/v1.41/containers/json?all=1") || strings.Contains(reqs[1], "filters") {
		t.Errorf("requests = %q, want a ping and one unfiltered listing", reqs)
	}
}

// ImageIDs over the API: one inspection per distinct ref (slashes and tag
// kept in the path), a missing image left out, an engine failure an error
// naming the image.
func TestAPIImageIDs(t *testing.T) {
	f := newFakeAPI(t)
	f.images["registry.example.com/shop/api:2.3.1"] = "sha256:aaa"
	f.images["redis:7"] = "sha256:bbb"
	e := apiEngine(t, f.socket)
	got, err := e.ImageIDs(context.Background(), []string{"redis:7", "registry.example.com/shop/api:2.3.1", "redis:7", "missing:1"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"redis:7": "sha256:bbb", "registry.example.com/shop/api:2.3.1": "sha256:aaa"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ImageIDs = %v, want %v", got, want)
	}
	if n := len(f.seen()); n != 4 {
		t.Errorf("%d requests (%q), want a ping and 3 inspections", n, f.seen())
	}
	f.imageFail["broken:1"] = http.StatusInternalServerError
	if _, err := e.ImageIDs(context.Background(), []string{"redis:7", "broken:1"}); err == nil ||
		!strings.Contains(err.Error(), "inspect image broken:1") || !strings.Contains(err.Error(), "engine broke on broken:1") {
		t.Errorf("err = %v, want the engine's failure naming broken:1", err)
	}
	if _, err := e.ImageIDs(context.Background(), []string{"../../containers/x"}); err == nil || !strings.Contains(err.Error(), "invalid reference format") {
		t.Errorf("err = %v, want a refused reference", err)
	}
}

// A socket nobody answers on (the engine stopped) sends the read to the
// CLI, whose answer (or error) is the engine's own.
func TestAPIUnreachableFallsBackToCLI(t *testing.T) {
	socket := filepath.Join(shortTempDir(t), "dead.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	fk := newFake(t, "docker")
	fk.reply("docker-ps", "", "", 0)
	e, err := NewEngine(Spec{Kind: KindDocker, Binary: fk.path("docker"), Env: map[string]string{"DOCKER_HOST": "unix://" + socket}})
	if err != nil {
		t.Fatal(err)
	}
	if e.api == nil {
		t.Fatal("engine does not try the API of an existing socket")
	}
	cs, err := e.Containers(context.Background(), "samp")
	if err != nil || len(cs) != 0 {
		t.Fatalf("Containers = %v, %v", cs, err)
	}
	if c := fk.only(); c.Args[0] != "ps" {
		t.Errorf("CLI call = %q, want ps", c.Args)
	}
}

// dockerAPISocket picks the socket the docker CLI would reach, and none
// when the CLI would reach the engine another way or through TLS.
func TestDockerAPISocket(t *testing.T) {
	dir := shortTempDir(t)
	sock := filepath.Join(dir, "d.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	file := filepath.Join(dir, "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// A config directory whose current context "dev" reaches sock, and a
	// context "secure" that keeps TLS material.
	cfg := filepath.Join(dir, "cfg")
	context := func(name, host string, tls bool) {
		sum := sha256.Sum256([]byte(name))
		id := hex.EncodeToString(sum[:])
		meta := filepath.Join(cfg, "contexts", "meta", id)
		if err := os.MkdirAll(meta, 0o700); err != nil {
			t.Fatal(err)
		}
		data, _ := json.Marshal(map[string]any{"Name": name, "Endpoints": map[string]any{"docker": map[string]any{"Host": host}}})
		if err := os.WriteFile(filepath.Join(meta, "meta.json"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		if tls {
			if err := os.MkdirAll(filepath.Join(cfg, "contexts", "tls", id, "docker"), 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
	context("dev", "unix://"+sock, false)
	context("secure", "unix://"+sock, true)
	context("remote", "ssh://me@box", false)
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"currentContext":"dev"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"DOCKER_HOST socket", map[string]string{"DOCKER_HOST": "unix://" + sock}, sock},
		{"DOCKER_HOST beats the context", map[string]string{"DOCKER_HOST": "unix://" + sock, "DOCKER_CONTEXT": "remote", "DOCKER_CONFIG": cfg}, sock},
		{"DOCKER_HOST missing socket", map[string]string{"DOCKER_HOST": "unix://" + sock + ".gone"}, ""},
		{"DOCKER_HOST not a socket", map[string]string{"DOCKER_HOST": "unix://" + file}, ""},
		{"DOCKER_HOST tcp", map[string]string{"DOCKER_HOST": "tcp://127.0.0.1:2375"}, ""},
		{"TLS asked", map[string]string{"DOCKER_HOST": "unix://" + sock, "DOCKER_TLS_VERIFY": "1"}, ""},
		{"API version pinned", map[string]string{"DOCKER_HOST": "unix://" + sock, "DOCKER_API_VERSION": "1.40"}, ""},
		{"config's current context", map[string]string{"DOCKER_HOST": "", "DOCKER_CONFIG": cfg}, sock},
		{"DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "dev", "DOCKER_CONFIG": cfg}, sock},
		{"context with TLS", map[string]string{"DOCKER_CONTEXT": "secure", "DOCKER_CONFIG": cfg}, ""},
		{"ssh context", map[string]string{"DOCKER_CONTEXT": "remote", "DOCKER_CONFIG": cfg}, ""},
		{"unknown context", map[string]string{"DOCKER_CONTEXT": "nope", "DOCKER_CONFIG": cfg}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"} {
				t.Setenv(k, "")
			}
			if got := dockerAPISocket(tt.env); got != tt.want {
				t.Errorf("dockerAPISocket(%v) = %q, want %q", tt.env, got, tt.want)
			}
		})
	}
}

// containerOfListed reads a listing as parseInspect reads an inspection:
// the container's own name (not a legacy link's), health from the API's
// Health (1.52+) or the end of Status, published IPv4 ports only, the
// image ID with its algorithm.
func TestContainerOfListed(t *testing.T) {
	health := func(s string) *struct {
		Status string `json:"Status"`
	} {
		return &struct {
			Status string `json:"Status"`
		}{s}
	}
	tests := []struct {
		name string
		in   engineapi.Listed
		want Container
	}{
		{"running, healthy, published twice (IPv4 and IPv6) and exposed",
			engineapi.Listed{ID: "a", Names: []string{"/devarch-s-api"}, Image: "api:1", ImageID: "sha256:0a", State: "running",
				Status: "Up 5 minutes (healthy)", Labels: map[string]string{"devarch.instance": "api"},
				Ports: []engineapi.ListedPort{
					{IP: "0.0.0.0", PrivatePort: 8080, PublicPort: 18080, Type: "tcp"},
					{IP: "::", PrivatePort: 8080, PublicPort: 18080, Type: "tcp"},
					{IP: "127.0.0.1", PrivatePort: 53, PublicPort: 1053, Type: "udp"},
					{PrivatePort: 9000, Type: "tcp"},
				}},
			Container{ID: "a", Name: "devarch-s-api", Image: "api:1", ImageID: "sha256:0a", State: "running", Health: "healthy",
				Ports: "0.0.0.0:18080->8080/tcp, 127.0.0.1:1053->53/udp", Labels: map[string]string{"devarch.instance": "api"}}},
		{"starting, a legacy link's name first",
			engineapi.Listed{ID: "b", Names: []string{"/web/db", "/devarch-s-db"}, ImageID: "0b", State: "running", Status: "Up 1 second (health: starting)"},
			Container{ID: "b", Name: "devarch-s-db", ImageID: "sha256:0b", State: "running", Health: "starting", Labels: map[string]string{}}},
		{"exited: no health in its status",
			engineapi.Listed{ID: "c", Names: []string{"/x"}, State: "exited", Status: "Exited (1) 3 seconds ago"},
			Container{ID: "c", Name: "x", State: "exited", Labels: map[string]string{}}},
		{"the API's own Health wins over the status",
			engineapi.Listed{ID: "d", Names: []string{"/y"}, State: "running", Status: "Up 2 seconds", Health: health("unhealthy")},
			Container{ID: "d", Name: "y", State: "running", Health: "unhealthy", Labels: map[string]string{}}},
		{"Health none is no healthcheck",
			engineapi.Listed{ID: "e", Names: []string{"/z"}, State: "running", Status: "Up 2 seconds", Health: health("none")},
			Container{ID: "e", Name: "z", State: "running", Labels: map[string]string{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := containerOfListed(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("containerOfListed = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}
