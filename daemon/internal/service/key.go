package service

import (
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/store"
)

// RotateKey re-encrypts every record with a new key in one transaction.
// It is refused while jobs run, so no job writes with a key that is going
// away.
func (s *Service) RotateKey(c Caller) (api.KeyRotateResult, error) {
	if n := s.jobs.Running(); n > 0 {
		return api.KeyRotateResult{}, errorf(api.CodeConflict, "wait for them to finish: devarch jobs",
			"%d job(s) are running; the key cannot be rotated now", n)
	}
	n, err := s.store.Rotate(s.home)
	if store.IsRotationRunning(err) {
		return api.KeyRotateResult{}, errorf(api.CodeConflict, "wait for it to finish; it re-seals every record under a new key, so one rotation is enough",
			"a key rotation is already running")
	}
	if err != nil {
		return api.KeyRotateResult{}, err
	}
	s.log.Info("key rotated", "records", n, "peer_pid", c.PID)
	return api.KeyRotateResult{Records: n}, nil
}
