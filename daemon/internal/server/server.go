// Package server is the daemon's HTTP layer: routes, the peer credential check, the request log, and JSON in and out; each handler decodes a request, calls one service method and encodes its answer or error.
package server

import (
	"log/slog"
	"maps"
	"net/http"
	"os"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/service"
)

// Server serves the API over a Service.
type Server struct {
	svc      *service.Service
	log      *slog.Logger
	shutdown func() // asks the daemon to stop
}

// New returns a Server answering with svc, logging requests to log;
// shutdown is what POST /v1/shutdown calls.
func New(svc *service.Service, log *slog.Logger, shutdown func()) *Server {
	return &Server{svc: svc, log: log, shutdown: shutdown}
}

// Handler returns the API: every route under /v1, behind the peer uid
// check and a request log.
func (s *Server) Handler() http.Handler {
	return s.logRequests(requirePeer(os.Getuid(), s.routes()))
}

// routes registers every route of api.Routes with its handler, and answers
// anything else with a not-found error.
func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	handlers := s.routeHandlers()
	for _, rt := range api.Routes {
		h, ok := handlers[rt.Name]
		if !ok {
			panic("no handler for API route " + rt.Name)
		}
		mux.HandleFunc(rt.Pattern(), h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(api.CodeNotFound, "see `devarch --help`", "no API route %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// routeHandlers maps each route's name to its handler.
func (s *Server) routeHandlers() map[string]http.HandlerFunc {
	handlers := s.stateAndJobHandlers()
	maps.Copy(handlers, s.controlHandlers())
	return handlers
}

// stateAndJobHandlers are the handlers of the definition, plan/apply and
// job routes.
func (s *Server) stateAndJobHandlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		api.RouteStatus.Name:   s.handleStatus,
		api.RouteShutdown.Name: s.handleShutdown,

		api.RouteTemplates.Name:      s.handleTemplateList,
		api.RouteTemplateAdd.Name:    s.handleTemplateAdd,
		api.RouteTemplate.Name:       s.handleTemplateShow,
		api.RouteTemplateRemove.Name: s.handleTemplateRemove,

		api.RouteStacks.Name:      s.handleStackList,
		api.RouteStackCreate.Name: s.handleStackCreate,
		api.RouteStack.Name:       s.handleStackShow,
		api.RouteStackSet.Name:    s.handleStackSet,
		api.RouteStackRemove.Name: s.handleStackRemove,

		api.RouteInstances.Name:         s.handleInstanceList,
		api.RouteInstanceAdd.Name:       s.handleInstanceAdd,
		api.RouteInstance.Name:          s.handleInstanceShow,
		api.RouteInstanceSet.Name:       s.handleInstanceSet,
		api.RouteInstanceReset.Name:     s.handleInstanceReset,
		api.RouteInstanceRename.Name:    s.handleInstanceRename,
		api.RouteInstanceDuplicate.Name: s.handleInstanceDuplicate,
		api.RouteInstanceRemove.Name:    s.handleInstanceRemove,

		api.RouteWires.Name:       s.handleWires,
		api.RouteWireAdd.Name:     s.handleWireAdd,
		api.RouteWireRemove.Name:  s.handleWireRemove,
		api.RouteConfig.Name:      s.handleConfig,
		api.RouteFileSources.Name: s.handleFileSources,

		api.RoutePlan.Name:   s.handlePlan,
		api.RouteApply.Name:  s.handleApply,
		api.RouteBuild.Name:  s.handleImages("build"),
		api.RoutePull.Name:   s.handleImages("pull"),
		api.RoutePs.Name:     s.handlePs,
		api.RouteLogs.Name:   s.handleLogs,
		api.RouteLock.Name:   s.handleLock,
		api.RouteUnlock.Name: s.handleUnlock,

		api.RouteExport.Name:        s.handleExport,
		api.RouteImport.Name:        s.handleImport,
		api.RouteImportCompose.Name: s.handleImportCompose,

		api.RouteJobs.Name:      s.handleJobs,
		api.RouteJob.Name:       s.handleJob,
		api.RouteJobEvents.Name: s.handleJobEvents,
		api.RouteJobCancel.Name: s.handleJobCancel,
		api.RouteKeyRotate.Name: s.handleKeyRotate,
	}
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
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration", time.Since(start).Round(time.Microsecond), "peer_uid", p.UID, "peer_pid", p.PID)
	})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Status(os.Getpid())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// handleShutdown stops the daemon; with if_idle only when no job runs.
func (s *Server) handleShutdown(w http.ResponseWriter, r *http.Request) {
	var req api.ShutdownRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if req.IfIdle {
		if err := s.svc.StopIfIdle(); err != nil {
			s.log.Info("shutdown if idle refused", "peer_pid", PeerFrom(r.Context()).PID, "err", err)
			writeError(w, err)
			return
		}
	}
	s.log.Info("shutdown requested", "peer_pid", PeerFrom(r.Context()).PID, "if_idle", req.IfIdle)
	writeJSON(w, http.StatusOK, struct{}{})
	s.shutdown()
}

// caller is the service's view of the request's peer.
func caller(r *http.Request) service.Caller {
	p := PeerFrom(r.Context())
	return service.Caller{Who: p.Who, PID: p.PID}
}
