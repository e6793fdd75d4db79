package plan

import (
	"errors"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// Privileges lists what svc's container is granted beyond an ordinary
// container's, in a fixed order: "privileged"; "network host", "pid host",
// "ipc host", "uts host", "userns host"; "cap_add CAP" per added
// capability; "device PATH" per device; "security_opt OPT" per confinement
// turned off; "bind PATH" per bind of the host's root, /etc, the Docker or
// Podman socket or a directory holding one. They come from the instance's
// compose fragment and, for binds, from its volumes too. A plan lists them
// under each create, update and replace, and applying it needs the user's
// consent (RequireConsent).
func Privileges(svc core.Service) []string {
	var out []string
	frag := map[string]any{}
	if strings.TrimSpace(svc.Compose) != "" {
		// A fragment that does not parse is refused by validation; here
		// it grants nothing.
		_ = yaml.Unmarshal([]byte(svc.Compose), &frag)
	}
	if b, _ := frag["privileged"].(bool); b {
		out = append(out, "privileged")
	}
	for _, ns := range []struct{ key, name string }{
		{"network_mode", "network"}, {"pid", "pid"}, {"ipc", "ipc"}, {"uts", "uts"}, {"userns_mode", "userns"},
	} {
		if s, _ := frag[ns.key].(string); s == "host" {
			out = append(out, ns.name+" host")
		}
	}
	var caps []string
	for _, c := range sortedStrings(frag["cap_add"]) {
		caps = append(caps, strings.TrimPrefix(strings.ToUpper(c), "CAP_"))
	}
	slices.Sort(caps)
	for _, c := range slices.Compact(caps) {
		out = append(out, "cap_add "+c)
	}
	for _, d := range deviceSources(frag["devices"]) {
		out = append(out, "device "+d)
	}
	for _, o := range sortedStrings(frag["security_opt"]) {
		if unconfined(o) {
			out = append(out, "security_opt "+o)
		}
	}
	var binds []string
	for _, v := range svc.Volumes {
		binds = append(binds, v.Source)
	}
	binds = append(binds, fragmentBindSources(frag["volumes"])...)
	seen := map[string]bool{}
	for _, src := range binds {
		if p, ok := dangerousBind(src); ok && !seen[p] {
			seen[p] = true
			out = append(out, "bind "+p)
		}
	}
	return out
}

// sockets are the engines' API sockets: a container that reaches one
// commands the engine, and through it the host.
var sockets = []string{"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock"}

// socketDir matches a rootless Podman socket ($XDG_RUNTIME_DIR/podman/podman.sock)
// and the directories holding it.
var socketDir = regexp.MustCompile(`^/run/user(/[0-9]+(/podman(/podman\.sock)?)?)?$`)

// dangerousBind reports whether a volume source binds the host's root,
// /etc, an engine socket or a directory holding one (/var/run, /run,
// /run/user/1000), returning the cleaned path.
func dangerousBind(src string) (string, bool) {
	if !strings.HasPrefix(src, "/") {
		return "", false // a named volume
	}
	p := path.Clean(src)
	if p == "/" || p == "/etc" || socketDir.MatchString(p) {
		return p, true
	}
	for _, s := range sockets {
		if s == p || strings.HasPrefix(s, p+"/") {
			return p, true
		}
	}
	return "", false
}

func unconfined(opt string) bool {
	o := strings.ToLower(strings.ReplaceAll(opt, "=", ":"))
	return strings.HasSuffix(o, ":unconfined") || o == "label:disable" || o == "no-new-privileges:false"
}

// sortedStrings is the string items of a YAML list, sorted.
func sortedStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, item := range l {
		if s, ok := item.(string); ok {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// deviceSources are the host paths of a compose devices list, short
// ("/dev/x:/dev/y:rwm") or long ({source: /dev/x}) form, sorted.
func deviceSources(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, item := range l {
		switch d := item.(type) {
		case string:
			src, _, _ := strings.Cut(d, ":")
			out = append(out, src)
		case map[string]any:
			if s, ok := d["source"].(string); ok {
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}

// fragmentBindSources are the host sources of a compose volumes list:
// "SRC:DST[:MODE]" or {type: bind, source: SRC}.
func fragmentBindSources(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, item := range l {
		switch m := item.(type) {
		case string:
			if src, _, ok := strings.Cut(m, ":"); ok {
				out = append(out, src)
			}
		case map[string]any:
			if s, ok := m["source"].(string); ok && (m["type"] == "bind" || m["type"] == nil) {
				out = append(out, s)
			}
		}
	}
	return out
}

// Privileged reports whether any change of p grants privileges.
func (p *Plan) Privileged() bool { return len(PrivilegesOf(p.Changes)) > 0 }

// PrivilegesOf lists "INSTANCE: PRIVILEGE" for every privilege a change
// of cs grants, in the changes' order.
func PrivilegesOf(cs []ResourceChange) []string {
	var out []string
	for _, c := range cs {
		for _, g := range c.Privileges {
			out = append(out, c.Instance+": "+g)
		}
	}
	return out
}

// ConsentError is a plan that grants privileges, applied without the
// user's consent.
type ConsentError struct {
	Grants []string // "INSTANCE: PRIVILEGE", see PrivilegesOf
}

func (e *ConsentError) Error() string {
	return "the plan grants privileges beyond an ordinary container's (" + strings.Join(e.Grants, "; ") +
		"): apply it with --allow-privileged, or confirm them when asked"
}

// IsConsent reports whether err is a *ConsentError.
func IsConsent(err error) bool {
	var ce *ConsentError
	return errors.As(err, &ce)
}

// RequireConsent refuses to apply p when a change grants privileges (see
// Privileges) and allow — the user's --allow-privileged or interactive
// confirmation — is not given: the error is a *ConsentError listing them.
// The daemon checks it before it applies a plan or an import, whatever the
// client checked.
func RequireConsent(p *Plan, allow bool) error {
	grants := PrivilegesOf(p.Changes)
	if len(grants) == 0 || allow {
		return nil
	}
	return &ConsentError{Grants: grants}
}
