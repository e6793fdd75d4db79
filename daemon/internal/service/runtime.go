package daemon

// Runtime-facing read routes (ps, logs) and the lock routes.
//
// GET requests cannot carry a body, so ps and logs take the RuntimeSpec as
// query parameters:
//
//	kind=docker|podman     RuntimeSpec.Kind (empty: detect)
//	binary=/usr/bin/docker RuntimeSpec.Binary
//	env=KEY=VALUE          one RuntimeSpec.Env entry; repeat for more
//
// e.g. GET /v1/stacks/shop/logs?kind=docker&env=DOCKER_CONTEXT=default&instance=db&follow=1&tail=100

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/runtime"
	"github.com/devarch-dev/devarch/store"
)

// runtimeSpecFromQuery reads kind, binary and repeated env=KEY=VALUE.
func runtimeSpecFromQuery(r *http.Request) (api.RuntimeSpec, error) {
	q := r.URL.Query()
	spec := api.RuntimeSpec{Kind: q.Get("kind"), Binary: q.Get("binary")}
	for _, kv := range q["env"] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return spec, &core.FieldError{Field: "env", Rule: "must be KEY=VALUE, got " + strconv.Quote(kv)}
		}
		if spec.Env == nil {
			spec.Env = map[string]string{}
		}
		spec.Env[k] = v
	}
	return spec, nil
}

func queryBool(r *http.Request, name string) bool {
	v, err := strconv.ParseBool(r.URL.Query().Get(name))
	return err == nil && v
}

// stackRuntime checks that stack exists and opens the runtime its
// containers run on: the one the query names, or, when it names no kind,
// the one the stack's applied snapshot was made with (detection only when
// there is none). A query naming another kind than the snapshot's is
// refused, as a plan is: that runtime has none of the stack's containers.
func (s *Server) stackRuntime(r *http.Request, stack string) (runtime.Runtime, error) {
	if _, err := s.storedStack(stack); err != nil {
		return nil, err
	}
	spec, err := runtimeSpecFromQuery(r)
	if err != nil {
		return nil, err
	}
	binding, err := s.binding(stack)
	if err != nil {
		return nil, err
	}
	rt, _, err := openRuntime(boundRuntime(runtimeSpec(spec), binding))
	if err != nil {
		return nil, err
	}
	if err := checkAppliedRuntime(stack, binding, rt); err != nil {
		return nil, err
	}
	return rt, nil
}

// openStackRuntime opens the runtime a plan, apply or destroy of stack
// uses: spec when it names a kind, else the one the stack was applied with
// (so a stack applied with --runtime podman needs no --runtime afterwards),
// else detection. A named kind other than the snapshot's is refused later,
// by the plan, with the hint to name the right one.
func (s *Server) openStackRuntime(stack string, spec api.RuntimeSpec) (runtime.Runtime, runtime.Spec, error) {
	binding, err := s.binding(stack)
	if err != nil {
		return nil, runtime.Spec{}, err
	}
	return openRuntime(boundRuntime(runtimeSpec(spec), binding))
}

// binding returns the runtime stack is bound to, or nil when it is bound to
// none (not applied). It reads only the binding, not the applied snapshot.
func (s *Server) binding(stack string) (*store.RuntimeBinding, error) {
	var b store.RuntimeBinding
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		b, err = tx.GetBinding(stack)
		return err
	})
	switch {
	case store.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &b, nil
}

// boundRuntime is the runtime spec a read of a stack's containers uses:
// spec when it names a kind (or the stack is bound to none), else the spec
// the stack was applied with, so a stack applied with --runtime podman is
// read on podman without --runtime.
func boundRuntime(spec runtime.Spec, binding *store.RuntimeBinding) runtime.Spec {
	if spec.Kind != "" || binding == nil {
		return spec
	}
	return boundSpec(*binding)
}

func (s *Server) handlePs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	rt, err := s.stackRuntime(r, name)
	if err != nil {
		writeError(w, err)
		return
	}
	cs, err := rt.Containers(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]api.Container, 0, len(cs))
	for _, c := range cs {
		out = append(out, api.Container{
			Instance: c.Instance(),
			Name:     strings.TrimPrefix(c.Name, "/"),
			Image:    c.Image,
			State:    c.State,
			Health:   c.Health,
			Ports:    c.Ports,
		})
	}
	slices.SortFunc(out, func(a, b api.Container) int {
		if c := strings.Compare(a.Instance, b.Instance); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	writeJSON(w, http.StatusOK, out)
}

// handleLogs streams the output of the stack's devarch-labeled containers
// (one instance with instance=NAME) as NDJSON LogLines, secret values
// scrubbed. tail=N limits each container's history; follow=1 keeps going
// until the client leaves.
func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	q := r.URL.Query()
	tail := 0
	if v := q.Get("tail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, &core.FieldError{Field: "tail", Rule: "must be a whole number of lines, got " + strconv.Quote(v)})
			return
		}
		tail = n
	}
	if v := q.Get("since"); v != "" {
		if rule := api.CheckLogsSince(v); rule != "" {
			writeError(w, &core.FieldError{Field: "since", Rule: rule + ", got " + strconv.Quote(v)})
			return
		}
	}
	rt, err := s.stackRuntime(r, name)
	if err != nil {
		writeError(w, err)
		return
	}
	cs, err := rt.Containers(r.Context(), name)
	if err != nil {
		writeError(w, err)
		return
	}
	instance := q.Get("instance")
	var names []string
	for _, c := range cs {
		if instance == "" || c.Instance() == instance {
			names = append(names, strings.TrimPrefix(c.Name, "/"))
		}
	}
	if len(names) == 0 {
		if instance != "" {
			writeError(w, errorf(api.CodeNotFound, "run `ps "+name+"` to list its containers",
				"instance %q of stack %q has no container", instance, name))
			return
		}
		writeError(w, errorf(api.CodeNotFound, "run `apply "+name+"` first", "stack %q has no containers", name))
		return
	}
	slices.Sort(names)
	sc := s.stackScrubber(name)

	out := newNDJSON(w)
	opts := runtime.LogsOptions{Follow: queryBool(r, "follow"), Tail: tail, Since: q.Get("since"), Timestamps: queryBool(r, "timestamps")}
	if opts.Follow {
		out.start()
	}
	err = rt.Logs(r.Context(), core.ProjectName(name), names, opts, func(inst, line string) {
		out.write(api.LogLine{Instance: inst, Line: sc.Scrub(line)})
	})
	if err != nil && r.Context().Err() == nil {
		if !out.started() {
			writeError(w, err)
			return
		}
		s.logger().Warn("stream logs", "stack", name, "err", err)
	}
	out.start()
}

// stackScrubber returns the scrubber of what stack's containers print: the
// secret values of its desired and applied states, in every form, hidden,
// and its public and devarch's own names kept.
func (s *Server) stackScrubber(stack string) *core.Scrubber {
	var ds []*core.Desired
	_ = s.Store.View(func(tx *store.Tx) error {
		if _, d, err := s.loadDesired(tx, stack); err == nil {
			ds = append(ds, &d)
		}
		if ap, err := tx.GetApplied(stack); err == nil {
			ds = append(ds, &ap.Desired)
		}
		return nil
	})
	return core.NewScrubber(core.OutputSecrets(ds...), append(core.PublicNames(ds...), core.Names(ds...)...))
}

func (s *Server) handleLock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	writeJSON(w, http.StatusOK, api.LockView{Stack: name, Holders: s.Locks.Holders(name)})
}

func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var req api.UnlockRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if !req.Force {
		writeError(w, errorf(api.CodeInvalid, "--force",
			"unlocking stack %q releases locks whose holder is gone (a running job is cancelled with `jobs cancel` instead); confirm with force", name))
		return
	}
	// A job of this daemon that still runs is not gone: releasing its lock
	// would let another apply or destroy run beside it. Cancelling it rolls
	// back and releases the lock the safe way.
	for _, h := range s.Locks.Holders(name) {
		if (req.ID == "" || h.ID == req.ID) && h.JobID != "" && s.Jobs != nil && s.Jobs.IsRunning(h.JobID) {
			writeError(w, errorf(api.CodeConflict, "cancel it with `devarch jobs cancel "+h.JobID+"`: it rolls back and releases the lock",
				"stack %q is locked by %s job %s, which is still running", name, h.Operation, h.JobID))
			return
		}
	}
	n := s.Locks.ForceUnlock(name, req.ID)
	if n == 0 && req.ID != "" {
		writeError(w, errorf(api.CodeNotFound, "run `lock "+name+"` to list holders",
			"stack %q has no lock holder with ID %q", name, req.ID))
		return
	}
	s.logger().Warn("stack force-unlocked", "stack", name, "released", n, "by", PeerFrom(r.Context()).Who)
	writeJSON(w, http.StatusOK, api.UnlockResult{Released: n})
}

func (s *Server) logger() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// ndjson writes one JSON value per line, flushing after each, and sends the
// 200 header with the first line (or at start when nothing was written).
type ndjson struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	enc     *json.Encoder
	begun   bool
	failure error
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	return &ndjson{w: w, enc: json.NewEncoder(w)}
}

func (n *ndjson) write(v any) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.failure != nil {
		return n.failure
	}
	n.beginLocked()
	if err := n.enc.Encode(v); err != nil {
		n.failure = err
		return err
	}
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
	return nil
}

// start sends the header if no line was written, so an empty stream is a 200.
func (n *ndjson) start() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.beginLocked()
}

func (n *ndjson) started() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.begun
}

func (n *ndjson) beginLocked() {
	if n.begun {
		return
	}
	n.begun = true
	n.w.Header().Set("Content-Type", "application/x-ndjson")
	n.w.WriteHeader(http.StatusOK)
	if f, ok := n.w.(http.Flusher); ok {
		f.Flush()
	}
}
