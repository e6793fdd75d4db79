package server

// Handlers of the routes that read and edit stored state: templates,
// stacks, instances, wires, config and the key.

import (
	"net/http"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

func (s *Server) handleTemplateList(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ListTemplates())
}

func (s *Server) handleTemplateShow(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ShowTemplate(r.PathValue("name")))
}

func (s *Server) handleTemplateAdd(w http.ResponseWriter, r *http.Request) {
	var req api.TemplateAddRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	out, replaced, err := s.svc.AddTemplate(req)
	if err != nil {
		writeError(w, err)
		return
	}
	status := http.StatusCreated
	if replaced {
		status = http.StatusOK
	}
	writeJSON(w, status, out)
}

func (s *Server) handleTemplateRemove(w http.ResponseWriter, r *http.Request) {
	answerEmpty(w, s.svc.RemoveTemplate(r.PathValue("name")))
}

func (s *Server) handleStackCreate(w http.ResponseWriter, r *http.Request) {
	var req api.StackCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusCreated)(s.svc.CreateStack(req))
}

func (s *Server) handleStackSet(w http.ResponseWriter, r *http.Request) {
	var req api.StackSetRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.SetStack(r.Context(), caller(r), r.PathValue("stack"), req))
}

func (s *Server) handleStackList(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ListStacks())
}

func (s *Server) handleStackShow(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ShowStack(r.PathValue("stack")))
}

func (s *Server) handleStackRemove(w http.ResponseWriter, r *http.Request) {
	answerEmpty(w, s.svc.RemoveStack(r.Context(), caller(r), r.PathValue("stack")))
}

func (s *Server) handleInstanceList(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ListInstances(r.PathValue("stack")))
}

func (s *Server) handleInstanceAdd(w http.ResponseWriter, r *http.Request) {
	var req api.InstanceAddRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusCreated)(s.svc.AddInstance(r.Context(), caller(r), r.PathValue("stack"), req))
}

func (s *Server) handleInstanceShow(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.ShowInstance(r.PathValue("stack"), r.PathValue("name"), queryBool(r, "effective")))
}

func (s *Server) handleInstanceSet(w http.ResponseWriter, r *http.Request) {
	var req core.InstanceUpdate
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.SetInstance(r.Context(), caller(r), r.PathValue("stack"), r.PathValue("name"), req))
}

func (s *Server) handleInstanceReset(w http.ResponseWriter, r *http.Request) {
	var req api.ResetRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.ResetInstance(r.Context(), caller(r), r.PathValue("stack"), r.PathValue("name"), req))
}

func (s *Server) handleInstanceRename(w http.ResponseWriter, r *http.Request) {
	var req api.NameRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.RenameInstance(r.Context(), caller(r), r.PathValue("stack"), r.PathValue("name"), req))
}

func (s *Server) handleInstanceDuplicate(w http.ResponseWriter, r *http.Request) {
	var req api.NameRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusCreated)(s.svc.DuplicateInstance(r.Context(), caller(r), r.PathValue("stack"), r.PathValue("name"), req))
}

func (s *Server) handleInstanceRemove(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.RemoveInstance(r.Context(), caller(r), r.PathValue("stack"), r.PathValue("name")))
}

func (s *Server) handleWires(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.Wires(r.PathValue("stack")))
}

func (s *Server) handleWireAdd(w http.ResponseWriter, r *http.Request) {
	var wire core.Wire
	if err := decodeJSON(r, &wire); err != nil {
		writeError(w, err)
		return
	}
	answer(w, http.StatusOK)(s.svc.AddWire(r.Context(), caller(r), r.PathValue("stack"), wire))
}

func (s *Server) handleWireRemove(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	answer(w, http.StatusOK)(s.svc.RemoveWire(r.Context(), caller(r), r.PathValue("stack"), q.Get("consumer"), q.Get("import")))
}

func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.Config(r.PathValue("stack"), queryBool(r, "show_secrets")))
}

func (s *Server) handleFileSources(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.FileSources(r.PathValue("stack")))
}

func (s *Server) handleKeyRotate(w http.ResponseWriter, r *http.Request) {
	answer(w, http.StatusOK)(s.svc.RotateKey(caller(r)))
}
