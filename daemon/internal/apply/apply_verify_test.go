package apply

import (
	"testing"
	"time"

	"github.com/devarch-dev/devarch/core"
)

func TestVerifyWindow(t *testing.T) {
	hc := func(h *core.Healthcheck) core.WiredService {
		return core.WiredService{Service: core.Service{Instance: "x", Enabled: true, Healthcheck: h}}
	}
	tests := []struct {
		name string
		svc  core.WiredService
		want time.Duration
	}{
		{"no healthcheck", hc(nil), DefaultTimeouts().Verify},
		{"engine defaults", hc(&core.Healthcheck{Test: []string{"CMD", "true"}}), DefaultTimeouts().Verify},
		{"disabled", hc(&core.Healthcheck{Test: []string{"NONE"}, StartPeriod: core.Duration(time.Hour)}), DefaultTimeouts().Verify},
		{"short", hc(&core.Healthcheck{Test: []string{"CMD", "true"}, Interval: core.Duration(time.Second)}), DefaultTimeouts().Verify},
		{"slow start", hc(&core.Healthcheck{Test: []string{"CMD", "true"}, StartPeriod: core.Duration(5 * time.Minute),
			Interval: core.Duration(10 * time.Second), Retries: 5}), 5*time.Minute + 60*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultTimeouts().verifyWindow([]core.WiredService{tt.svc}); got != tt.want {
				t.Errorf("window = %v, want %v", got, tt.want)
			}
		})
	}
}
