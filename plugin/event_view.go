package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/devarch-dev/devarch/daemon/api"
)

// eventView prints a job's events as they come.
type eventView interface {
	event(ev api.Event)
	// tick redraws what changes with time alone (elapsed seconds).
	tick()
	// finish leaves the output as it stands, the job being over.
	finish()
}

// newEventView is the live view on a terminal cols wide (0: unknown),
// plain lines otherwise.
func newEventView(w io.Writer, terminal bool, cols int) eventView {
	if terminal {
		v := newLiveView(w, time.Now)
		v.cols = cols
		return v
	}
	return plainView{w}
}

// plainView prints each event on a line of its own: `INSTANCE: MESSAGE`,
// or the message alone when it is about no instance.
type plainView struct{ w io.Writer }

func (v plainView) event(ev api.Event) {
	if ev.Instance != "" {
		fmt.Fprintf(v.w, "%s: %s\n", ev.Instance, ev.Message)
		return
	}
	fmt.Fprintln(v.w, ev.Message)
}
func (plainView) tick()   {}
func (plainView) finish() {}

// liveView keeps, at the bottom of a terminal, one line per instance with
// its latest message and the seconds since its first event, redrawn in
// place (cursor up, clear to the end of the screen). Other lines are
// printed above them and stay: messages about no instance, and an
// instance's detail lines (indented, or a header ending in ':', as the
// evidence of a failure), prefixed with the instance.
type liveView struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	order []string // instances, in the order of their first event
	lines map[string]*liveLine
	width int // of the longest instance name
	cols  int // the terminal's width, 0 when unknown: longer lines are cut, or they would wrap and the redraw miss them
	drawn int // instance lines on screen below the cursor's line
	done  bool
}

type liveLine struct {
	msg         string
	first, last time.Time // event times
	settled     bool      // running: elapsed stops
}

func newLiveView(w io.Writer, now func() time.Time) *liveView {
	return &liveView{w: w, now: now, lines: map[string]*liveLine{}}
}

// detail reports whether an instance's message is a line to keep rather
// than its state: an indented line or a header ending in ':'.
func detail(msg string) bool {
	return strings.HasPrefix(msg, " ") || strings.HasSuffix(msg, ":")
}

func (v *liveView) event(ev api.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.done {
		return
	}
	var b strings.Builder
	v.clear(&b)
	switch {
	case ev.Instance == "":
		b.WriteString(ev.Message + "\n")
	case detail(ev.Message):
		b.WriteString(ev.Instance + ": " + ev.Message + "\n")
	default:
		l, ok := v.lines[ev.Instance]
		if !ok {
			l = &liveLine{first: ev.Time}
			v.lines[ev.Instance] = l
			v.order = append(v.order, ev.Instance)
			v.width = max(v.width, len(ev.Instance))
		}
		l.msg, l.last = ev.Message, ev.Time
		l.settled = strings.HasPrefix(ev.Message, "running")
	}
	v.draw(&b, false)
	io.WriteString(v.w, b.String())
}

func (v *liveView) tick() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.done || v.drawn == 0 {
		return
	}
	var b strings.Builder
	v.clear(&b)
	v.draw(&b, false)
	io.WriteString(v.w, b.String())
}

func (v *liveView) finish() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.done {
		return
	}
	var b strings.Builder
	v.clear(&b)
	v.draw(&b, true)
	v.done = true
	io.WriteString(v.w, b.String())
}

// clear moves the cursor up over the instance lines and clears them.
func (v *liveView) clear(b *strings.Builder) {
	if v.drawn > 0 {
		fmt.Fprintf(b, "\x1b[%dA\x1b[J", v.drawn)
		v.drawn = 0
	}
}

// draw writes the instance lines; final freezes every elapsed time at the
// instance's last event.
func (v *liveView) draw(b *strings.Builder, final bool) {
	for _, inst := range v.order {
		l := v.lines[inst]
		end := v.now()
		if final || l.settled {
			end = l.last
		}
		secs := int(end.Sub(l.first).Seconds())
		line := []rune(fmt.Sprintf("%-*s  %-4s %s", v.width, inst, fmt.Sprintf("%ds", max(secs, 0)), l.msg))
		if v.cols > 1 && len(line) >= v.cols {
			line = append(line[:v.cols-2], '…')
		}
		b.WriteString(string(line) + "\n")
	}
	v.drawn = len(v.order)
}
