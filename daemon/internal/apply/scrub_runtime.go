package apply

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// scrubbingRuntime is the runtime an apply or destroy job drives: every
// line of output and every error it returns is scrubbed of the job's
// secrets where it enters devarch, so the job's own messages, which quote
// that output, are stored and shown unscrubbed (README.md, "Redaction").
type scrubbingRuntime struct {
	runtime.Runtime
	sc *core.Scrubber
}

func newScrubbingRuntime(rt runtime.Runtime, sc *core.Scrubber) runtime.Runtime {
	if rt == nil {
		return nil
	}
	if s, ok := rt.(*scrubbingRuntime); ok {
		rt = s.Runtime
	}
	return &scrubbingRuntime{Runtime: rt, sc: sc}
}

func (s *scrubbingRuntime) progress(fn func(string)) func(string) {
	if fn == nil {
		return nil
	}
	return func(line string) { fn(s.sc.Scrub(line)) }
}

// err returns err with its text scrubbed: a *runtime.ComposeError as a
// scrubbed copy (callers read its fields), any other error as one whose
// text is scrubbed and that still matches what err matches with errors.Is
// (context.Canceled, context.DeadlineExceeded).
func (s *scrubbingRuntime) err(err error) error {
	if err == nil {
		return nil
	}
	var ce *runtime.ComposeError
	if errors.As(err, &ce) {
		c := *ce
		c.Reason, c.Stderr = s.sc.Scrub(c.Reason), s.sc.Scrub(c.Stderr)
		return &c
	}
	return &scrubbedError{msg: s.sc.Scrub(err.Error()), cause: err}
}

// scrubbedError is a runtime error with its text scrubbed. It does not
// unwrap, so errors.As cannot reach the unscrubbed original.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string        { return e.msg }
func (e *scrubbedError) Is(target error) bool { return errors.Is(e.cause, target) }

func (s *scrubbingRuntime) Up(ctx context.Context, project string, composeYAML []byte, workdir string, progress func(string)) error {
	return s.err(s.Runtime.Up(ctx, project, composeYAML, workdir, s.progress(progress)))
}

func (s *scrubbingRuntime) Down(ctx context.Context, project string, composeYAML []byte, volumes bool, progress func(string)) error {
	return s.err(s.Runtime.Down(ctx, project, composeYAML, volumes, s.progress(progress)))
}

func (s *scrubbingRuntime) Volumes(ctx context.Context, project string) ([]string, error) {
	v, err := s.Runtime.Volumes(ctx, project)
	return v, s.err(err)
}

func (s *scrubbingRuntime) RemoveVolumes(ctx context.Context, names []string) error {
	return s.err(s.Runtime.RemoveVolumes(ctx, names))
}

func (s *scrubbingRuntime) RemoveImages(ctx context.Context, refs []string) ([]string, error) {
	removed, err := s.Runtime.RemoveImages(ctx, refs)
	return removed, s.err(err)
}

func (s *scrubbingRuntime) Containers(ctx context.Context, stack string) ([]runtime.Container, error) {
	cs, err := s.Runtime.Containers(ctx, stack)
	return cs, s.err(err)
}

func (s *scrubbingRuntime) ContainersNamed(ctx context.Context, names []string) ([]runtime.Container, error) {
	cs, err := s.Runtime.ContainersNamed(ctx, names)
	return cs, s.err(err)
}

func (s *scrubbingRuntime) Logs(ctx context.Context, project string, containerNames []string, opts runtime.LogsOptions, fn func(instance, line string)) error {
	return s.err(s.Runtime.Logs(ctx, project, containerNames, opts, func(instance, line string) {
		fn(instance, s.sc.Scrub(line))
	}))
}

func (s *scrubbingRuntime) Build(ctx context.Context, project string, composeYAML []byte, workdir string, services []string, progress func(string)) error {
	return s.err(s.Runtime.Build(ctx, project, composeYAML, workdir, services, s.progress(progress)))
}

func (s *scrubbingRuntime) Pull(ctx context.Context, refs []string, timeout time.Duration, progress func(string)) error {
	return s.err(s.Runtime.Pull(ctx, refs, timeout, s.progress(progress)))
}

func (s *scrubbingRuntime) ImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	ids, err := s.Runtime.ImageIDs(ctx, refs)
	return ids, s.err(err)
}

// ContainerStates passes on to the runtime's ContainerStates, its error
// scrubbed; a runtime without it is runtime.ErrUnsupported.
func (s *scrubbingRuntime) ContainerStates(ctx context.Context, stack string) ([]runtime.Container, error) {
	sl, ok := s.Runtime.(runtime.StateLister)
	if !ok {
		return nil, fmt.Errorf("runtime %s: container states from the list: %w", s.Runtime.Kind(), runtime.ErrUnsupported)
	}
	cs, err := sl.ContainerStates(ctx, stack)
	return cs, s.err(err)
}

// HealthLog passes on to the runtime's HealthLog, each output scrubbed; a
// runtime without it is runtime.ErrUnsupported.
func (s *scrubbingRuntime) HealthLog(ctx context.Context, name string) ([]runtime.HealthResult, error) {
	hr, ok := s.Runtime.(runtime.HealthReader)
	if !ok {
		return nil, fmt.Errorf("runtime %s: read healthcheck runs: %w", s.Runtime.Kind(), runtime.ErrUnsupported)
	}
	rs, err := hr.HealthLog(ctx, name)
	for i := range rs {
		rs[i].Output = s.sc.Scrub(rs[i].Output)
	}
	return rs, s.err(err)
}
