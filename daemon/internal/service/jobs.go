package daemon

import (
	"net/http"

	"github.com/devarch-dev/devarch/daemon/api"
)

func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.Jobs.List()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, jobs)
}

func (s *Server) handleJob(w http.ResponseWriter, r *http.Request) {
	job, err := s.Jobs.Get(r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

func (s *Server) handleJobCancel(w http.ResponseWriter, r *http.Request) {
	job, err := s.Jobs.Cancel(r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, job)
}

// handleJobEvents streams a job's events as NDJSON: the recorded ones, and
// with follow=1 live ones until the final event or the client leaves.
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.Jobs.Get(id); err != nil {
		writeError(w, err)
		return
	}
	out := newNDJSON(w)
	if !queryBool(r, "follow") {
		events, err := s.Jobs.Events(id)
		if err != nil {
			writeError(w, err)
			return
		}
		for _, ev := range events {
			if err := out.write(ev); err != nil {
				return
			}
		}
		out.start()
		return
	}
	out.start()
	if err := s.Jobs.Follow(r.Context(), id, func(ev api.Event) error { return out.write(ev) }); err != nil {
		s.logger().Debug("follow job events", "job", id, "err", err)
	}
	out.start()
}
