package runtime

import (
	"regexp"
	"strings"

	"github.com/devarch-dev/devarch/daemon/runtime/internal/proc"
)

// ComposeError is a failed compose command: the operation, the instance the
// engine's output blames (empty when it names none), a short reason and the
// engine's full stderr.
type ComposeError struct {
	Op       string // up, down, config
	Instance string
	Reason   string // "port 8080 already allocated"
	Stderr   string
}

// Error is `instance api: port 8080 already allocated`, or `compose up:
// REASON` when no instance is known.
func (e *ComposeError) Error() string {
	reason := e.Reason
	if reason == "" {
		reason = proc.LastLine(e.Stderr)
	}
	if reason == "" {
		reason = "failed"
	}
	if e.Instance != "" {
		return "instance " + e.Instance + ": " + reason
	}
	return "compose " + e.Op + ": " + reason
}

var (
	reBind      = regexp.MustCompile(`Bind for \S*:(\d+) failed: port is already allocated`)
	reInUse     = regexp.MustCompile(`listen (?:tcp|udp)[46]? \S*:(\d+): bind: address already in use`)
	reNameTaken = regexp.MustCompile(`container name "/?([^"]+)" is already in use`)
	reLogMsg    = regexp.MustCompile(`^time="[^"]*" level=(?:error|fatal) msg="(.*)"$`)
	reSvcError  = regexp.MustCompile(`^(\S+) Error (.+)$`)
	reContainer = regexp.MustCompile(`^Container (\S+)\s+(\S+)`)
)

// ParseComposeError reads what compose printed to stderr for op on project
// (devarch-{stack}) and returns the error it reports, attributed to the
// instance whose container or service it names.
func ParseComposeError(op, project, stderr string) *ComposeError {
	ce := &ComposeError{Op: op, Stderr: stderr}
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ce
	}
	errLine, svcInstance := "", ""
	for _, l := range lines {
		if m := reSvcError.FindStringSubmatch(l); m != nil && m[1] != "Container" && m[1] != "Network" && m[1] != "Volume" {
			if svcInstance == "" {
				svcInstance, errLine = m[1], "pull image: "+m[2]
			}
		}
	}
	for i := len(lines) - 1; i >= 0; i-- {
		if isErrorLine(lines[i]) {
			if errLine == "" || reBind.MatchString(lines[i]) || reInUse.MatchString(lines[i]) || reNameTaken.MatchString(lines[i]) {
				errLine = lines[i]
			}
			break
		}
	}
	if errLine == "" {
		errLine = lines[len(lines)-1]
	}
	ce.Reason = reason(errLine)
	ce.Instance = instanceIn(errLine, project)
	if ce.Instance == "" {
		ce.Instance = svcInstance
	}
	if ce.Instance == "" && project != "" {
		ce.Instance = pendingInstance(lines, project)
	}
	return ce
}

func isErrorLine(l string) bool {
	lower := strings.ToLower(l)
	return strings.HasPrefix(lower, "error") || reLogMsg.MatchString(l) ||
		strings.HasPrefix(lower, "validating ") || strings.HasPrefix(lower, "yaml:")
}

// reason shortens an engine error line to what a user must know.
func reason(l string) string {
	if m := reBind.FindStringSubmatch(l); m != nil {
		return "port " + m[1] + " already allocated"
	}
	if m := reInUse.FindStringSubmatch(l); m != nil {
		return "port " + m[1] + " already allocated"
	}
	if m := reNameTaken.FindStringSubmatch(l); m != nil {
		return "container name " + m[1] + " is already in use by another container"
	}
	if m := reLogMsg.FindStringSubmatch(l); m != nil {
		l = m[1]
	}
	for _, p := range []string{"Error response from daemon:", "Error:", "error:"} {
		l = strings.TrimSpace(strings.TrimPrefix(l, p))
	}
	return l
}

// instanceIn returns X when l names container project-X (project-net is
// the network, not a container).
func instanceIn(l, project string) string {
	if project == "" {
		return ""
	}
	prefix := project + "-"
	for rest := l; ; {
		i := strings.Index(rest, prefix)
		if i < 0 {
			return ""
		}
		before := byte(' ')
		if i > 0 {
			before = rest[i-1]
		}
		rest = rest[i+len(prefix):]
		n := 0
		for n < len(rest) && isNameByte(rest[n]) {
			n++
		}
		if n > 0 && !isNameByte(before) && rest[:n] != "net" {
			return rest[:n]
		}
	}
}

func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-' || b == '.'
}

// pendingInstance returns the one instance whose container compose began
// to create or start without finishing, when exactly one did.
func pendingInstance(lines []string, project string) string {
	pending, seen := map[string]bool{}, map[string]bool{}
	var order []string
	for _, l := range lines {
		m := reContainer.FindStringSubmatch(l)
		if m == nil || !strings.HasPrefix(m[1], project+"-") {
			continue
		}
		inst := strings.TrimPrefix(m[1], project+"-")
		switch m[2] {
		case "Creating", "Starting", "Recreate", "Stopping", "Removing":
			if !seen[inst] {
				seen[inst] = true
				order = append(order, inst)
			}
			pending[inst] = true
		default:
			pending[inst] = false
		}
	}
	found := ""
	for _, inst := range order {
		if pending[inst] {
			if found != "" {
				return ""
			}
			found = inst
		}
	}
	return found
}
