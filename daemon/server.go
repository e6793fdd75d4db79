package daemon

import (
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// Server holds the daemon's state and serves its API.
type Server struct {
	Home    string
	Store   *store.Store
	Log     *slog.Logger
	Locks   *LockManager
	Jobs    *JobManager
	Started time.Time

	shutdown func() // asks Run to stop; nil outside Run
}

// Handler returns the API: every route under /v1, behind the peer uid
// check and a request log.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.registerRoutes(mux)
	s.registerPlanRoutes(mux)
	s.registerDevfileRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(api.CodeNotFound, "see `devarch --help`", "no API route %s %s", r.Method, r.URL.Path))
	})
	return s.logRequests(requirePeer(os.Getuid(), mux))
}

// registerRoutes adds status, shutdown, template, stack, instance, wire,
// config and key routes.
func (s *Server) registerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+api.Prefix+"/status", s.handleStatus)
	mux.HandleFunc("POST "+api.Prefix+"/shutdown", s.handleShutdown)

	mux.HandleFunc("GET "+api.Prefix+"/templates", s.handleTemplateList)
	mux.HandleFunc("POST "+api.Prefix+"/templates", s.handleTemplateAdd)
	mux.HandleFunc("GET "+api.Prefix+"/templates/{name}", s.handleTemplateShow)
	mux.HandleFunc("DELETE "+api.Prefix+"/templates/{name}", s.handleTemplateRemove)

	mux.HandleFunc("GET "+api.Prefix+"/stacks", s.handleStackList)
	mux.HandleFunc("POST "+api.Prefix+"/stacks", s.handleStackCreate)
	mux.HandleFunc("GET "+api.Prefix+"/stacks/{stack}", s.handleStackShow)
	mux.HandleFunc("PATCH "+api.Prefix+"/stacks/{stack}", s.handleStackSet)
	mux.HandleFunc("DELETE "+api.Prefix+"/stacks/{stack}", s.handleStackRemove)

	mux.HandleFunc("GET "+api.Prefix+"/stacks/{stack}/instances", s.handleInstanceList)
	mux.HandleFunc("POST "+api.Prefix+"/stacks/{stack}/instances", s.handleInstanceAdd)
	mux.HandleFunc("GET "+api.Prefix+"/stacks/{stack}/instances/{name}", s.handleInstanceShow)
	mux.HandleFunc("PATCH "+api.Prefix+"/stacks/{stack}/instances/{name}", s.handleInstanceSet)
	mux.HandleFunc("POST "+api.Prefix+"/stacks/{stack}/instances/{name}/reset", s.handleInstanceReset)
	mux.HandleFunc("POST "+api.Prefix+"/stacks/{stack}/instances/{name}/rename", s.handleInstanceRename)
	mux.HandleFunc("POST "+api.Prefix+"/stacks/{stack}/instances/{name}/duplicate", s.handleInstanceDuplicate)
	mux.HandleFunc("DELETE "+api.Prefix+"/stacks/{stack}/instances/{name}", s.handleInstanceRemove)

	mux.HandleFunc("GET "+api.Prefix+"/stacks/{stack}/wires", s.handleWires)
	mux.HandleFunc("POST "+api.Prefix+"/stacks/{stack}/wires", s.handleWireAdd)
	mux.HandleFunc("DELETE "+api.Prefix+"/stacks/{stack}/wires", s.handleWireRemove)

	mux.HandleFunc("GET "+api.Prefix+"/stacks/{stack}/config", s.handleConfig)
	mux.HandleFunc("POST "+api.Prefix+"/key/rotate", s.handleKeyRotate)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logRequests logs method, path, status, duration and peer of every
// request. Bodies are never logged: they may carry secret values.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		p := PeerFrom(r.Context())
		s.logger().Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond), "peer_uid", p.UID, "peer_pid", p.PID)
	})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st := api.Status{
		PID:           os.Getpid(),
		Version:       api.Version,
		Home:          s.Home,
		Socket:        SocketPath(s.Home),
		StartedAt:     s.Started.UTC(),
		SchemaVersion: s.Store.SchemaVersion(),
	}
	if s.Jobs != nil {
		st.RunningJobs = s.Jobs.Running()
	}
	err := s.Store.View(func(tx *store.Tx) error {
		stacks, err := tx.ListStacks()
		st.Stacks = len(stacks)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleShutdown(w http.ResponseWriter, r *http.Request) {
	if s.shutdown == nil {
		writeError(w, errorf(api.CodeConflict, "", "this server was not started by Run and cannot shut down"))
		return
	}
	s.logger().Info("shutdown requested", "peer_pid", PeerFrom(r.Context()).PID)
	writeJSON(w, http.StatusOK, struct{}{})
	s.shutdown()
}
