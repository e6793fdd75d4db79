package runtime

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestDueHealthchecks(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := func(ago time.Duration) string { return now.Add(-ago).Format(time.RFC3339Nano) }
	container := func(id, status, started, health, lastEnd, test string, interval time.Duration) string {
		log := "null"
		if lastEnd != "" {
			log = fmt.Sprintf(`[{"Start":%q,"End":%q,"ExitCode":0}]`, lastEnd, lastEnd)
		}
		hc := "null"
		if test != "" {
			hc = fmt.Sprintf(`{"Test":[%q,"/testprog","health"],"Interval":%d,"Retries":3}`, test, interval)
		}
		return fmt.Sprintf(`{"Id":%q,"State":{"Status":%q,"StartedAt":%q,"Health":{"Status":%q,"Log":%s}},"Config":{"Healthcheck":%s}}`,
			id, status, started, health, log, hc)
	}
	data := "[" +
		container("never-checked-due", "running", ts(3*time.Second), "starting", "", "CMD", 2*time.Second) + "," +
		container("never-checked-early", "running", ts(time.Second), "starting", "", "CMD", 2*time.Second) + "," +
		container("checked-due", "running", ts(time.Minute), "healthy", ts(5*time.Second), "CMD", 5*time.Second) + "," +
		container("checked-recently", "running", ts(time.Minute), "healthy", ts(time.Second), "CMD", 5*time.Second) + "," +
		container("default-interval", "running", ts(20*time.Second), "starting", "", "CMD", 0) + "," +
		container("exited", "exited", ts(time.Minute), "starting", "", "CMD", time.Second) + "," +
		container("no-healthcheck", "running", ts(time.Minute), "", "", "", 0) + "," +
		container("disabled", "running", ts(time.Minute), "", "", "NONE", time.Second) +
		"]"
	got := dueHealthchecks([]byte(data), now)
	want := []string{"never-checked-due", "checked-due"}
	if !slices.Equal(got, want) {
		t.Errorf("dueHealthchecks = %q, want %q", got, want)
	}
	if got := dueHealthchecks([]byte("not json"), now); got != nil {
		t.Errorf("dueHealthchecks(bad JSON) = %q, want none", got)
	}
}
