package service

import (
	"context"

	"github.com/devarch-dev/devarch/daemon/api"
)

// ListJobs is every job, newest first.
func (s *Service) ListJobs() ([]api.Job, error) { return s.jobs.List() }

// Job is job id.
func (s *Service) Job(id string) (api.Job, error) { return s.jobs.Get(id) }

// CancelJob asks job id to stop; its run rolls back and ends cancelled.
func (s *Service) CancelJob(id string) (api.Job, error) { return s.jobs.Cancel(id) }

// JobEvents calls fn with job id's events: the recorded ones, and with
// follow the live ones too, until the final event or until ctx is done. It
// fails before calling anything when job id does not exist; begin is called
// once the events can be delivered (a stream sends its header there), even
// when there are none.
func (s *Service) JobEvents(ctx context.Context, id string, follow bool, begin func(), fn func(api.Event) error) error {
	if _, err := s.jobs.Get(id); err != nil {
		return err
	}
	if !follow {
		events, err := s.jobs.Events(id)
		if err != nil {
			return err
		}
		begin()
		for _, ev := range events {
			if err := fn(ev); err != nil {
				return err
			}
		}
		return nil
	}
	begin()
	return s.jobs.Follow(ctx, id, fn)
}
