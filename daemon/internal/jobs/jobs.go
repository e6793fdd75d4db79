package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/randid"
	"github.com/devarch-dev/devarch/store"
)

// RunFunc is the body of a job. It reports progress through emit and
// returns a one-line summary on success. Returning a *Failure picks the
// final state (rolled_back, cancelled) and the instance a failure is about;
// any other error ends the job failed, or cancelled when ctx was cancelled.
type RunFunc func(ctx context.Context, emit func(instance, msg string)) (summary string, err error)

// Manager runs apply and destroy jobs in the background, persists every
// job and event in the store and fans events out to followers.
type Manager struct {
	store *store.Store
	log   *slog.Logger

	mu      sync.Mutex
	running map[string]*jobRun
	wg      sync.WaitGroup
	closing bool // set by Close: no job starts any more

	// Progress events are persisted in batches (see emit): pending holds
	// those not written yet, guarded by mu; flushMu orders the batches.
	flushMu sync.Mutex
	pending []store.Event
}

const (
	// eventBatch is how many buffered events make a write at once.
	eventBatch = 64
	// eventFlushDelay is the longest a progress event waits to be written.
	eventFlushDelay = 100 * time.Millisecond
)

// ErrShuttingDown is why a job is refused once the daemon began stopping.
var ErrShuttingDown = &core.ConflictError{
	Msg:  "the devarch daemon is shutting down: no new job starts",
	Hint: "run the command again once the daemon has stopped: the CLI starts a new one",
}

// jobRun is the in-memory state of a job that has not ended yet.
type jobRun struct {
	job     api.Job
	cancel  context.CancelFunc
	secrets []string
	// ownText is set when the job's messages, summary and error are
	// devarch's own text, never scrubbed (runtime output in them is
	// scrubbed where it enters: see daemon/internal/apply/scrub_runtime.go).
	ownText bool
	events  []api.Event   // every event so far, also persisted
	changed chan struct{} // closed and replaced on each event
	done    bool          // the final event is in events
}

// Failure ends a job in a given state, naming the instance at fault.
type Failure struct {
	State    api.JobState // "": failed, or cancelled when the job's context was
	Instance string
	Err      error
}

func (e *Failure) Error() string { return e.Err.Error() }
func (e *Failure) Unwrap() error { return e.Err }

// interruptedMsg is the error of a job found unfinished when the daemon starts.
const interruptedMsg = "daemon stopped while the job ran"

// NewManager returns a Manager persisting into st and logging to log.
func NewManager(st *store.Store, log *slog.Logger) *Manager {
	return &Manager{store: st, log: log, running: map[string]*jobRun{}}
}

// RecoverInterrupted marks jobs left queued or running by a previous daemon
// as interrupted, with a final event saying so, and returns how many.
func (j *Manager) RecoverInterrupted() (int, error) {
	n := 0
	err := j.store.Update(func(tx *store.Tx) error {
		recs, err := tx.ListJobs()
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, rec := range recs {
			if api.JobState(rec.Job.State).Done() {
				continue
			}
			rec.Job.State = string(api.JobInterrupted)
			rec.Job.Error = interruptedMsg
			rec.Job.EndedAt = &now
			if err := tx.PutJob(rec); err != nil {
				return err
			}
			ev := api.Event{Time: now, JobID: rec.Job.ID, Message: interruptedMsg, State: api.JobInterrupted}
			if err := tx.AppendEvent(rec.Job.ID, eventRecord(ev)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mark interrupted jobs: %w", err)
	}
	return n, nil
}

// Running returns how many jobs have not ended.
func (j *Manager) Running() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.running)
}

// IsRunning reports whether job id has not ended yet.
func (j *Manager) IsRunning(id string) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	r, ok := j.running[id]
	return ok && !r.done
}

// Start persists job as queued and runs it in the background; it returns
// the job as stored. job.ID is filled when empty. Every message and error
// of the job is scrubbed of secretValues, for a run function that does not
// tell its own text from the output it quotes. Once Close was called it
// starts nothing and returns ErrShuttingDown.
func (j *Manager) Start(job api.Job, run RunFunc, secretValues ...string) (api.Job, error) {
	return j.start(job, run, secretValues, false)
}

// StartOwnText is Start for a run function whose messages, summary and
// error are devarch's own text, with any runtime output or value they quote
// already scrubbed: they are stored and shown as they are, so a secret that
// equals a word or a name cannot garble them. Only a panic's text, which
// may dump anything, is scrubbed of secretValues.
func (j *Manager) StartOwnText(job api.Job, run RunFunc, secretValues []string) (api.Job, error) {
	return j.start(job, run, secretValues, true)
}

func (j *Manager) start(job api.Job, run RunFunc, secretValues []string, ownText bool) (api.Job, error) {
	if job.ID == "" {
		job.ID = randid.Hex(8)
	}
	job.State = api.JobQueued
	job.CreatedAt = time.Now().UTC()
	job.EndedAt = nil
	ctx, cancel := context.WithCancel(context.Background())
	r := &jobRun{job: job, cancel: cancel, secrets: secretValues, ownText: ownText, changed: make(chan struct{})}

	j.mu.Lock()
	if j.closing {
		j.mu.Unlock()
		cancel()
		return api.Job{}, ErrShuttingDown
	}
	j.running[job.ID] = r
	j.wg.Add(1)
	j.mu.Unlock()
	j.persistNewJob(job)

	go j.run(ctx, r, run)
	return job, nil
}

// Accepting returns ErrShuttingDown once Close was called, nil before.
func (j *Manager) Accepting() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closing {
		return ErrShuttingDown
	}
	return nil
}

func (j *Manager) run(ctx context.Context, r *jobRun, run RunFunc) {
	defer j.wg.Done()
	defer r.cancel()

	j.mu.Lock()
	r.job.State = api.JobRunning
	job := r.job
	j.mu.Unlock()
	j.persistJob(job)
	j.emit(r, "", job.Operation+" started", "")

	summary, err := j.protect(ctx, r, run, func(instance, msg string) { j.emit(r, instance, msg, "") })

	j.mu.Lock()
	now := time.Now().UTC()
	r.job.EndedAt = &now
	var final string
	switch {
	case err == nil:
		r.job.State = api.JobSucceeded
		r.job.Summary = r.text(summary)
		final = r.job.Summary
		if final == "" {
			final = job.Operation + " complete"
		}
	default:
		r.job.State = api.JobFailed
		if ctx.Err() != nil {
			r.job.State = api.JobCancelled
		}
		var jf *Failure
		if errors.As(err, &jf) {
			if jf.State != "" {
				r.job.State = jf.State
			}
			r.job.Instance = jf.Instance
		}
		r.job.Error = r.text(err.Error())
		final = r.job.Error
	}
	job = r.job
	j.mu.Unlock()

	j.finish(r, job, final)

	j.log.Info("job ended", "job", job.ID, "stack", job.Stack, "operation", job.Operation, "state", job.State)
}

// protect runs run, turning a panic into an error so a job always ends.
// The panic's text is scrubbed: it may quote any value.
func (j *Manager) protect(ctx context.Context, r *jobRun, run RunFunc, emit func(instance, msg string)) (summary string, err error) {
	defer func() {
		if p := recover(); p != nil {
			text := core.Scrub(fmt.Sprint(p), r.secrets)
			j.log.Error("job panicked", "panic", text)
			err = errors.New("internal error: " + text)
		}
	}()
	return run(ctx, emit)
}

// text is a message, summary or error of r as it is stored and shown.
func (r *jobRun) text(s string) string {
	if r.ownText {
		return s
	}
	return core.Scrub(s, r.secrets)
}

// emit records one progress event of r: offered to followers at once
// (they read the job's events from memory while it runs) and persisted in
// a batch: one write for every eventBatch events, and at most
// eventFlushDelay after the event otherwise. A runtime printing many lines
// is thus not held up by a synced database write per line.
func (j *Manager) emit(r *jobRun, instance, msg string, state api.JobState) {
	ev := api.Event{
		Time:     time.Now().UTC(),
		JobID:    r.job.ID,
		Instance: instance,
		Message:  r.text(msg),
		State:    state,
	}
	j.mu.Lock()
	r.events = append(r.events, ev)
	j.pending = append(j.pending, eventRecord(ev))
	n := len(j.pending)
	close(r.changed)
	r.changed = make(chan struct{})
	j.mu.Unlock()
	switch {
	case n >= eventBatch:
		j.flush()
	case n == 1:
		time.AfterFunc(eventFlushDelay, j.flush)
	}
}

// flush writes the buffered events in one transaction.
func (j *Manager) flush() {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.mu.Lock()
	batch := j.pending
	j.pending = nil
	j.mu.Unlock()
	if len(batch) == 0 {
		return
	}
	if err := j.store.Update(func(tx *store.Tx) error { return tx.AppendEvents(batch) }); err != nil {
		j.log.Error("persist job events", "events", len(batch), "err", err)
	}
}

// finish ends r: the buffered events, the job in its final state and its
// final event are written in one transaction, and only then is the job
// no longer running (readers then find all of it in the store).
func (j *Manager) finish(r *jobRun, job api.Job, final string) {
	ev := api.Event{Time: time.Now().UTC(), JobID: job.ID, Instance: job.Instance, Message: r.text(final), State: job.State}
	rec := jobRecord(job, os.Getpid())
	j.flushMu.Lock()
	j.mu.Lock()
	batch := append(j.pending, eventRecord(ev))
	j.pending = nil
	j.mu.Unlock()
	err := j.store.Update(func(tx *store.Tx) error {
		if err := tx.AppendEvents(batch); err != nil {
			return err
		}
		return tx.PutJob(rec)
	})
	j.flushMu.Unlock()
	if err != nil {
		j.log.Error("persist job end", "job", job.ID, "err", err)
	}
	j.mu.Lock()
	r.events = append(r.events, ev)
	r.done = true
	delete(j.running, r.job.ID)
	close(r.changed)
	r.changed = make(chan struct{})
	j.mu.Unlock()
}

func (j *Manager) persistJob(job api.Job) {
	rec := jobRecord(job, os.Getpid())
	if err := j.store.Update(func(tx *store.Tx) error { return tx.PutJob(rec) }); err != nil {
		j.log.Error("persist job", "job", job.ID, "err", err)
	}
}

// persistNewJob stores a job just created and prunes the stack's oldest
// ended jobs beyond store.JobsKept.
func (j *Manager) persistNewJob(job api.Job) {
	rec := jobRecord(job, os.Getpid())
	if err := j.store.Update(func(tx *store.Tx) error {
		_, err := tx.PutNewJob(rec, store.JobsKept)
		return err
	}); err != nil {
		j.log.Error("persist job", "job", job.ID, "err", err)
	}
}

// Get returns the job with id.
func (j *Manager) Get(id string) (api.Job, error) {
	j.mu.Lock()
	if r, ok := j.running[id]; ok {
		job := r.job
		j.mu.Unlock()
		return job, nil
	}
	j.mu.Unlock()
	var rec store.JobRecord
	err := j.store.View(func(tx *store.Tx) error {
		var err error
		rec, err = tx.GetJob(id)
		return err
	})
	if err != nil {
		return api.Job{}, err // names the job already
	}
	return jobFromRecord(rec), nil
}

// List returns every job, newest first.
func (j *Manager) List() ([]api.Job, error) {
	var recs []store.JobRecord
	err := j.store.View(func(tx *store.Tx) error {
		var err error
		recs, err = tx.ListJobs()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	j.mu.Lock()
	jobs := make([]api.Job, 0, len(recs))
	for _, rec := range recs {
		if r, ok := j.running[rec.Job.ID]; ok {
			jobs = append(jobs, r.job)
			continue
		}
		jobs = append(jobs, jobFromRecord(rec))
	}
	j.mu.Unlock()
	slices.SortStableFunc(jobs, func(a, b api.Job) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return jobs, nil
}

// Cancel asks a running job to stop; its run rolls back and ends cancelled.
// A job that already ended is returned as it is.
func (j *Manager) Cancel(id string) (api.Job, error) {
	j.mu.Lock()
	if r, ok := j.running[id]; ok {
		r.cancel()
		job := r.job
		j.mu.Unlock()
		return job, nil
	}
	j.mu.Unlock()
	return j.Get(id)
}

// Follow calls fn with every event of job id: those already recorded, then
// live ones until the final event. It returns when the job has ended and
// every event was delivered, when fn fails or when ctx is done.
func (j *Manager) Follow(ctx context.Context, id string, fn func(api.Event) error) error {
	j.mu.Lock()
	r, live := j.running[id]
	j.mu.Unlock()
	if !live {
		events, err := j.storedEvents(id)
		if err != nil {
			return err
		}
		for _, ev := range events {
			if err := fn(ev); err != nil {
				return err
			}
		}
		return nil
	}
	next := 0
	for {
		j.mu.Lock()
		batch := slices.Clone(r.events[next:])
		changed, done := r.changed, r.done
		j.mu.Unlock()
		for _, ev := range batch {
			if err := fn(ev); err != nil {
				return err
			}
		}
		next += len(batch)
		if done && len(batch) == 0 {
			return nil
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Events returns the recorded events of job id.
func (j *Manager) Events(id string) ([]api.Event, error) {
	j.mu.Lock()
	if r, ok := j.running[id]; ok {
		evs := slices.Clone(r.events)
		j.mu.Unlock()
		return evs, nil
	}
	j.mu.Unlock()
	return j.storedEvents(id)
}

func (j *Manager) storedEvents(id string) ([]api.Event, error) {
	var events []api.Event
	err := j.store.View(func(tx *store.Tx) error {
		if _, err := tx.GetJob(id); err != nil {
			return err
		}
		recs, err := tx.Events(id)
		events = make([]api.Event, 0, len(recs))
		for _, e := range recs {
			events = append(events, eventFromRecord(e))
		}
		return err
	})
	if err != nil {
		return nil, err // names the job already
	}
	return events, nil
}

// Record persists a job that ended without running anything (an empty
// plan), with its single final event, and returns it.
func (j *Manager) Record(job api.Job, summary string) api.Job {
	if job.ID == "" {
		job.ID = randid.Hex(8)
	}
	now := time.Now().UTC()
	job.CreatedAt = now
	job.EndedAt = &now
	job.State = api.JobSucceeded
	job.Summary = summary
	rec := jobRecord(job, os.Getpid())
	ev := api.Event{Time: now, JobID: job.ID, Message: summary, State: api.JobSucceeded}
	if err := j.store.Update(func(tx *store.Tx) error {
		if _, err := tx.PutNewJob(rec, store.JobsKept); err != nil {
			return err
		}
		return tx.AppendEvent(job.ID, eventRecord(ev))
	}); err != nil {
		j.log.Error("persist job", "job", job.ID, "err", err)
	}
	return job
}

// Close refuses every job started from now on (Start returns
// ErrShuttingDown); jobs already running go on. The daemon calls it first
// when it begins to stop, before it awaits the running jobs, so no job can
// start after they were awaited.
func (j *Manager) Close() {
	j.mu.Lock()
	j.closing = true
	j.mu.Unlock()
}

// CloseIfIdle is Close when no job runs. When some do it refuses, with a
// conflict naming them, and new jobs start again as before. Refusing new
// jobs and checking the running ones happen under one lock, so no job can
// start between the check and the close.
func (j *Manager) CloseIfIdle() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closing {
		return nil
	}
	j.closing = true
	if len(j.running) == 0 {
		return nil
	}
	j.closing = false
	names := make([]string, 0, len(j.running))
	for _, r := range j.running {
		what := r.job.ID + " (" + r.job.Operation
		if r.job.Stack != "" {
			what += " of " + r.job.Stack
		}
		names = append(names, what+")")
	}
	slices.Sort(names)
	return &core.ConflictError{
		Msg:  fmt.Sprintf("the devarch daemon runs %d job(s): %s; it does not stop while they run", len(names), strings.Join(names, ", ")),
		Hint: "see them with `devarch jobs`; once they have ended run the command again, or stop the daemon now with `devarch daemon stop` (it cancels them)",
	}
}

// Wait cancels every running job and waits until each has ended (rolled
// back where it could). It implies Close.
func (j *Manager) Wait() {
	j.mu.Lock()
	j.closing = true
	for _, r := range j.running {
		r.cancel()
	}
	j.mu.Unlock()
	j.wg.Wait()
}
