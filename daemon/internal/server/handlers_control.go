package server

// Handlers of the everyday verbs: stop, start, restart, port, the targets
// of exec and run, and stack copy.

import (
	"net/http"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/service"
)

func (s *Server) handleControl(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req api.ControlRequest
		if err := decodeJSON(r, &req); err != nil {
			writeError(w, err)
			return
		}
		answer(w, http.StatusOK)(s.svc.Control(r.Context(), caller(r), r.PathValue("stack"), action, req))
	}
}

func (s *Server) handleExecTarget(w http.ResponseWriter, r *http.Request) {
	var spec api.RuntimeSpec
	if err := decodeJSON(r, &spec); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.ExecTarget(r.Context(), r.PathValue("stack"), r.PathValue("name"), spec))
}

func (s *Server) handleRunTarget(w http.ResponseWriter, r *http.Request) {
	var spec api.RuntimeSpec
	if err := decodeJSON(r, &spec); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.RunTarget(r.Context(), r.PathValue("stack"), r.PathValue("name"), spec))
}

// handlePorts takes the RuntimeSpec as query parameters, as ps does.
func (s *Server) handlePorts(w http.ResponseWriter, r *http.Request) {
	spec, err := runtimeSpecFromQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Ports(r.Context(), r.PathValue("stack"), r.PathValue("name"), spec))
}

func (s *Server) handleStackCopy(w http.ResponseWriter, r *http.Request) {
	var req api.StackCopyRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusCreated)(s.svc.CopyStack(r.Context(), caller(r), r.PathValue("stack"), req))
}

// controlHandlers are the handlers of this file, by route name.
func (s *Server) controlHandlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		api.RouteStop.Name:       s.handleControl(service.ActionStop),
		api.RouteStart.Name:      s.handleControl(service.ActionStart),
		api.RouteRestart.Name:    s.handleControl(service.ActionRestart),
		api.RouteExecTarget.Name: s.handleExecTarget,
		api.RouteRunTarget.Name:  s.handleRunTarget,
		api.RoutePorts.Name:      s.handlePorts,
		api.RouteStackCopy.Name:  s.handleStackCopy,
	}
}
