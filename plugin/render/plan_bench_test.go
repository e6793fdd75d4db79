package render

import (
	"encoding/json"
	"io"
	"testing"

	"github.com/devarch-dev/devarch/core/benchfix"
	"github.com/devarch-dev/devarch/core/plan"
)

// BenchmarkPlanWired500 is the CLI's part of `devarch plan` of a
// never-applied 500-instance wired stack (benchfix.Wired), the daemon's
// answer already read:
//
//   - decode/{desired,no-desired}: the View's JSON, as the plan route
//     answers it (with its desired state, as `plan --json` asks, and
//     without, as `plan` asks: api.PlanRequest.NoDesired), into a View;
//   - render: printing the View (500 creates, 565 wires).
func BenchmarkPlanWired500(b *testing.B) {
	d := benchfix.Desired(benchfix.Wired("wide", 500, 20000))
	p := plan.Compute(plan.Input{Desired: d})
	v := plan.RedactChanges(p)
	for _, c := range []struct {
		name string
		view plan.View
	}{{"desired", plan.Redact(p)}, {"no-desired", v}} {
		data, err := json.Marshal(c.view)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("decode/"+c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var got plan.View
				if err := json.Unmarshal(data, &got); err != nil || got.Summary.Create != 500 {
					b.Fatalf("%+v, %v", got.Summary, err)
				}
			}
		})
	}
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := Plan(io.Discard, v, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
