package daemon

import (
	"net/http"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// handleKeyRotate re-encrypts every record with a new key in one
// transaction. It is refused while jobs run, so no job writes with a key
// that is going away.
func (s *Server) handleKeyRotate(w http.ResponseWriter, r *http.Request) {
	if s.Jobs != nil {
		if n := s.Jobs.Running(); n > 0 {
			writeError(w, errorf(api.CodeConflict, "wait for them to finish: devarch jobs",
				"%d job(s) are running; the key cannot be rotated now", n))
			return
		}
	}
	n, err := s.Store.Rotate(s.Home)
	if store.IsRotationRunning(err) {
		writeError(w, errorf(api.CodeConflict, "wait for it to finish; it re-seals every record under a new key, so one rotation is enough",
			"a key rotation is already running"))
		return
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("key rotated", "records", n, "peer_pid", PeerFrom(r.Context()).PID)
	writeJSON(w, http.StatusOK, api.KeyRotateResult{Records: n})
}
