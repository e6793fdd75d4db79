package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files in testdata")

// screen interprets what the live view writes as a terminal would: text,
// newlines, cursor up (ESC [ N A) and clear to the end of the screen
// (ESC [ J). It returns the lines on screen.
func screen(t *testing.T, out []byte) []string {
	t.Helper()
	lines := []string{""}
	row := 0
	esc := regexp.MustCompile(`^\x1b\[(\d*)([AJ])`)
	for i := 0; i < len(out); {
		if m := esc.FindSubmatch(out[i:]); m != nil {
			switch m[2][0] {
			case 'A':
				n, _ := strconv.Atoi(string(m[1]))
				row = max(row-n, 0)
			case 'J':
				lines = append(lines[:row], "")
			}
			i += len(m[0])
			continue
		}
		if out[i] == 0x1b {
			t.Fatalf("unexpected escape sequence at %d: %q", i, out[i:min(i+8, len(out))])
		}
		if out[i] == '\n' {
			row++
			if row == len(lines) {
				lines = append(lines, "")
			}
		} else {
			lines[row] += string(out[i : i+1])
		}
		i++
	}
	return lines
}

// viewEvents is an apply of two instances, one of which fails leaving
// evidence, a second apart each.
func viewEvents(t0 time.Time) []api.Event {
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	return []api.Event{
		{Time: at(0), Message: "apply started"},
		{Time: at(0), Instance: "api", Message: "create devarch-shop-api"},
		{Time: at(0), Instance: "db", Message: "create devarch-shop-db"},
		{Time: at(1), Message: "compose up devarch-shop"},
		{Time: at(2), Instance: "db", Message: "Container devarch-shop-db  Started"},
		{Time: at(3), Instance: "api", Message: "Container devarch-shop-api  Started"},
		{Time: at(5), Instance: "api", Message: "running, healthy"},
		{Time: at(9), Instance: "db", Message: "last 1 log lines of container devarch-shop-db:"},
		{Time: at(9), Instance: "db", Message: "  | FATAL: no space left"},
		{Time: at(10), Instance: "db", Message: "instance db: container devarch-shop-db is unhealthy", State: api.JobFailed},
	}
}

func TestLiveViewFrame(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	now := t0
	var buf bytes.Buffer
	v := newLiveView(&buf, func() time.Time { return now })
	v.cols = 48 // db's failure is cut: a wrapped line would escape the redraw
	var frames []string
	for _, ev := range viewEvents(t0) {
		now = ev.Time
		v.event(ev)
		if ev.Time.Equal(t0.Add(3 * time.Second)) {
			now = t0.Add(4 * time.Second)
			v.tick() // elapsed moves on between events
			frames = append(frames, strings.Join(screen(t, buf.Bytes()), "\n"))
		}
	}
	now = t0.Add(30 * time.Second) // the final frame holds each instance's last event time
	v.finish()
	v.event(api.Event{Instance: "db", Message: "after the end"})
	frames = append(frames, strings.Join(screen(t, buf.Bytes()), "\n"))

	if !bytes.Contains(buf.Bytes(), []byte("\x1b[2A\x1b[J")) {
		t.Errorf("output never redraws the two instance lines in place:\n%q", buf.String())
	}
	got := strings.Join(frames, "\n----- final frame -----\n")
	golden := filepath.Join("testdata", "event_view", "live.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("frames:\n%s\nwant:\n%s", got, want)
	}
}

// TestPlainViewLines checks that a writer that is not a terminal gets
// one plain line per event, as before the live view.
func TestPlainViewLines(t *testing.T) {
	var buf bytes.Buffer
	v := newEventView(&buf, false, 80)
	for _, ev := range viewEvents(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)) {
		v.event(ev)
		v.tick()
	}
	v.finish()
	want := `apply started
api: create devarch-shop-api
db: create devarch-shop-db
compose up devarch-shop
db: Container devarch-shop-db  Started
api: Container devarch-shop-api  Started
api: running, healthy
db: last 1 log lines of container devarch-shop-db:
db:   | FATAL: no space left
db: instance db: container devarch-shop-db is unhealthy
`
	if buf.String() != want {
		t.Errorf("plain output:\n%s\nwant:\n%s", buf.String(), want)
	}
}
