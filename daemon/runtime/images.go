package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/engineapi"
	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// DefaultPullTimeout bounds the pull of one image: an unreachable registry
// is an error naming the image then, never a hang.
const DefaultPullTimeout = 2 * time.Minute

// buildTailLines is how many lines of a failed build's output its error
// keeps: the failing step's output and the engine's verdict.
const buildTailLines = 12

// Build runs `compose -p PROJECT -f - [--project-directory WORKDIR] build
// SERVICE...`, streaming every line the engine prints to progress. A
// failure is a *ComposeError with Op "build", the first service named as
// its Instance when only one was built, and the last lines of the output
// (the failing step's) as its Reason.
func (e *Engine) Build(ctx context.Context, project string, composeYAML []byte, workdir string, services []string, progress func(string)) error {
	if len(services) == 0 {
		return nil
	}
	file, stdin, cleanup, err := e.composeFile(composeYAML, workdir)
	if err != nil {
		return err
	}
	defer cleanup()
	args := append(e.projectArgs(project, file, workdir), "build")
	cmd := e.composeCmd(ctx, append(args, services...)...)
	cmd.Dir = workdir
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	var tail []string
	stderr, err := proc.Stream(ctx, cmd, stdin, func(l string) {
		l = strings.TrimSpace(l)
		if l == "" {
			return
		}
		if tail = append(tail, l); len(tail) > buildTailLines {
			tail = tail[1:]
		}
		if progress != nil {
			progress(l)
		}
	})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	ce := &ComposeError{Op: "build", Stderr: stderr}
	if len(services) == 1 {
		ce.Instance = services[0]
	}
	ce.Reason = "build failed: " + strings.Join(tail, "\n")
	if !proc.ExitErr(err) {
		ce.Reason = fmt.Sprintf("run %s: %v", strings.Join(e.compose, " "), err)
	}
	return ce
}

// Pull runs `pull REF` for each ref in turn, each bounded by timeout (0 is
// DefaultPullTimeout), streaming the engine's output to progress. An error
// names the image: the engine's reason, or that it did not finish in time.
func (e *Engine) Pull(ctx context.Context, refs []string, timeout time.Duration, progress func(string)) error {
	if timeout <= 0 {
		timeout = DefaultPullTimeout
	}
	for _, ref := range refs {
		pctx, cancel := context.WithTimeout(ctx, timeout)
		cmd := e.cliCmd(pctx, "pull", ref)
		cmd.Dir = "/"
		// An unreachable registry may keep the pull from answering a
		// SIGINT: kill it soon after the bound.
		cmd.WaitDelay = 5 * time.Second
		stderr, err := proc.Stream(pctx, cmd, nil, func(l string) {
			if progress != nil && strings.TrimSpace(l) != "" {
				progress(strings.TrimSpace(l))
			}
		})
		timedOut := errors.Is(pctx.Err(), context.DeadlineExceeded)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case timedOut:
			return fmt.Errorf("pull %s: no answer from its registry within %s", ref, timeout)
		default:
			return fmt.Errorf("pull %s: %s", ref, proc.ErrorLine(stderr))
		}
	}
	return nil
}

// ImageIDs resolves refs to the IDs of the local images they name,
// "sha256:HEX"; a ref with no local image is left out. Over the engine's
// API socket when it has one (see engine_api.go), it asks for each ref.
// Through the CLI, it first asks for every ref in one `image inspect --format {{.Id}} REF...`: when that
// succeeds with one ID per ref, the engine answered each ref in order (a
// plan of many instances pays one engine command, not one per image).
// Otherwise (an image missing, any error) it asks one ref per command, so
// each answer is the ref's own, a few commands at a time.
func (e *Engine) ImageIDs(ctx context.Context, refs []string) (map[string]string, error) {
	seen := map[string]bool{}
	var unique []string
	for _, ref := range refs {
		if !seen[ref] {
			seen[ref] = true
			unique = append(unique, ref)
		}
	}
	if e.api != nil {
		ids, err := e.apiImageIDs(ctx, unique)
		if !engineapi.IsUnreachable(err) {
			return ids, err
		}
	}
	if ids, ok := e.imageIDsAtOnce(ctx, unique); ok {
		return ids, nil
	}
	ids := make([]string, len(unique))
	err := parallel(ctx, len(unique), imageInspectParallel, func(i int) (err error) {
		ids[i], err = e.imageID(ctx, unique[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, ref := range unique {
		if ids[i] != "" {
			out[ref] = ids[i]
		}
	}
	return out, nil
}

// imageInspectParallel bounds the image inspect commands ImageIDs runs at
// once when it asks one ref per command.
const imageInspectParallel = 4

// imageID is the ID of ref's local image, "" when there is none.
func (e *Engine) imageID(ctx context.Context, ref string) (string, error) {
	var stdout, stderr strings.Builder
	cmd := e.cliCmd(ctx, "image", "inspect", "--format", "{{.Id}}", ref)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return "", ctx.Err()
	case err == nil:
		if id := strings.TrimSpace(stdout.String()); id != "" {
			return NormalizeImageID(id), nil
		}
		return "", nil
	case proc.ExitErr(err) && missingImage(stderr.String()):
		return "", nil
	default:
		return "", proc.CommandError(ctx, cmd, err, stderr.String())
	}
}

// imageIDsAtOnce inspects refs (distinct) in one command; ok is false
// unless it exited 0 with one non-empty ID line per ref.
func (e *Engine) imageIDsAtOnce(ctx context.Context, refs []string) (map[string]string, bool) {
	if len(refs) < 2 {
		return nil, false
	}
	var stdout, stderr strings.Builder
	cmd := e.cliCmd(ctx, append([]string{"image", "inspect", "--format", "{{.Id}}"}, refs...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, false
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(refs) {
		return nil, false
	}
	out := make(map[string]string, len(refs))
	for i, ref := range refs {
		id := strings.TrimSpace(lines[i])
		if id == "" {
			return nil, false
		}
		out[ref] = NormalizeImageID(id)
	}
	return out, true
}

// RemoveImages runs `image rm REF` for each ref, one at a time so each
// failure names its image; a ref with no local image is no error.
func (e *Engine) RemoveImages(ctx context.Context, refs []string) ([]string, error) {
	var removed []string
	for _, ref := range refs {
		var stderr strings.Builder
		cmd := e.cliCmd(ctx, "image", "rm", ref)
		cmd.Stderr = &stderr
		err := proc.Run(ctx, cmd)
		switch {
		case ctx.Err() != nil:
			return removed, ctx.Err()
		case err == nil:
			removed = append(removed, ref)
		case proc.ExitErr(err) && missingImage(stderr.String()):
		default:
			return removed, fmt.Errorf("remove image %s: %w", ref, proc.CommandError(ctx, cmd, err, stderr.String()))
		}
	}
	return removed, nil
}

// missingImage reports whether inspect's stderr says there is no such image.
func missingImage(stderr string) bool {
	s := strings.ToLower(stderr)
	return strings.Contains(s, "no such image") || strings.Contains(s, "image not known") ||
		strings.Contains(s, "no such object") || strings.Contains(s, "failed to find image")
}

// NormalizeImageID writes an image ID as "sha256:HEX" (Podman reports
// it without the algorithm).
func NormalizeImageID(id string) string {
	if id == "" || strings.Contains(id, ":") {
		return id
	}
	return "sha256:" + id
}
