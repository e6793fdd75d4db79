package apply

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/runtime"
)

// stubRuntime is a runtime no test method calls.
type stubRuntime struct{ runtime.Runtime }

func TestScrubbedErrorKeepsIs(t *testing.T) {
	rt := newScrubbingRuntime(stubRuntime{}, core.NewScrubber([]string{"s3cret"}, nil)).(*scrubbingRuntime)
	err := rt.err(errors.Join(context.Canceled, errors.New("docker ps: s3cret")))
	if !errors.Is(err, context.Canceled) {
		t.Error("a scrubbed error no longer matches context.Canceled")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %q", err)
	}
}
