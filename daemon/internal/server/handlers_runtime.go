package server

// Handlers of the routes that reach the runtime or run jobs: plan, apply,
// jobs, ps, logs, locks, export and import.
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
	"net/http"
	"strconv"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/service"
)

func (s *Server) handlePlan(w http.ResponseWriter, r *http.Request) {
	var req api.PlanRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Plan(r.Context(), caller(r), r.PathValue("stack"), req))
}

func (s *Server) handleApply(w http.ResponseWriter, r *http.Request) {
	var req api.ApplyRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Apply(r.Context(), caller(r), r.PathValue("stack"), req))
}

// handleImages serves build and pull (op).
func (s *Server) handleImages(op string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req api.ImagesRequest
		if err := decodeJSON(r, &req); err != nil {
			writeError(w, err)
			return
		}
		answer(w, http.StatusOK)(s.svc.Images(r.Context(), caller(r), r.PathValue("stack"), op, req))
	}
}

func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ListJobs())
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.Job(r.PathValue("id")))
}

func (s *Server) handleJobCancel(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.CancelJob(r.PathValue("id")))
}

// handleJobEvents streams a job's events as NDJSON: the recorded ones, and
// with follow=1 live ones until the final event or the client leaves.
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	out := newNDJSON(w)
	err := s.svc.JobEvents(r.Context(), id, queryBool(r, "follow"), out.start, func(ev api.Event) error { return out.write(ev) })
	if err != nil {
		if !out.started() {
			writeError(w, err)
			return
		}
		s.log.Debug("job events", "job", id, "err", err)
	}
	out.start()
}

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

func (s *Server) handlePs(w http.ResponseWriter, r *http.Request) {
	spec, err := runtimeSpecFromQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Ps(r.Context(), r.PathValue("stack"), spec))
}

// handleLogs streams the output of the stack's devarch-labeled containers
// (one instance with instance=NAME) as NDJSON LogLines, secret values
// scrubbed. tail=N limits each container's history; follow=1 keeps going
// until the client leaves.
func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	q := r.URL.Query()
	req := service.LogsRequest{Stack: name, Instance: q.Get("instance"), Follow: queryBool(r, "follow")}
	if v := q.Get("tail"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, &core.FieldError{Field: "tail", Rule: "must be a whole number of lines, got " + strconv.Quote(v)})
			return
		}
		req.Tail = n
	}
	if v := q.Get("since"); v != "" {
		if rule := api.CheckLogsSince(v); rule != "" {
			writeError(w, &core.FieldError{Field: "since", Rule: rule + ", got " + strconv.Quote(v)})
			return
		}
		req.Since = v
	}
	req.Timestamps = queryBool(r, "timestamps")
	spec, err := runtimeSpecFromQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	req.Runtime = spec
	out := newNDJSON(w)
	err = s.svc.Logs(r.Context(), req, out.start, func(l api.LogLine) { out.write(l) })
	if err != nil && r.Context().Err() == nil {
		if !out.started() {
			writeError(w, err)
			return
		}
		s.log.Warn("stream logs", "stack", name, "err", err)
	}
	out.start()
}

func (s *Server) handleLock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.svc.Lock(r.PathValue("stack")))
}

func (s *Server) handleUnlock(w http.ResponseWriter, r *http.Request) {
	var req api.UnlockRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Unlock(caller(r), r.PathValue("stack"), req))
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	var req api.ExportRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.Export(r.PathValue("stack"), req))
}

// handleImport answers 201 when the import created the stack, 200 when it
// planned a change over an existing one (or found nothing to change).
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	var req api.ImportRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answerImport(w)(s.svc.Import(r.Context(), caller(r), req))
}

// handleImportCompose answers as handleImport does.
func (s *Server) handleImportCompose(w http.ResponseWriter, r *http.Request) {
	var req api.ImportComposeRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answerImport(w)(s.svc.ImportCompose(r.Context(), caller(r), req))
}

// answerImport writes an import's result: 201 when it created the stack,
// 200 when it planned a change over an existing one (or found none).
func answerImport(w http.ResponseWriter) func(api.ImportResult, error) {
	return func(res api.ImportResult, err error) {
		if err != nil {
			writeError(w, err)
			return
		}
		status := http.StatusOK
		if res.Created {
			status = http.StatusCreated
		}
		writeJSON(w, status, res)
	}
}
