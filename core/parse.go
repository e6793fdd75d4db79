package core

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

const portSyntax = "want [IP:]HOST:CONTAINER[/tcp|udp], CONTAINER[/tcp|udp] or [IPv6]:HOST:CONTAINER"

// ParsePort parses the short port syntax: "C", "H:C", "IP:H:C",
// "[::1]:H:C", "IP::C" (random host port on IP), each optionally followed by
// "/tcp" or "/udp". field names the input in errors (*FieldError).
func ParsePort(field, s string) (Port, error) {
	fail := func(rule string) (Port, error) {
		return Port{}, Errf(field, fmt.Sprintf("%q: %s", s, rule))
	}
	spec, proto, hasProto := strings.Cut(s, "/")
	var p Port
	if hasProto {
		p.Protocol = strings.ToLower(proto)
		if p.Protocol != "tcp" && p.Protocol != "udp" {
			return fail(fmt.Sprintf("protocol %q is not tcp or udp", proto))
		}
	}
	var parts []string
	if strings.HasPrefix(spec, "[") {
		end := strings.Index(spec, "]:")
		if end < 0 {
			return fail("an IPv6 host address needs brackets and a port after it; " + portSyntax)
		}
		p.HostIP = spec[1:end]
		if ip, err := netip.ParseAddr(p.HostIP); err != nil || ip.Is4() || ip.Zone() != "" {
			return fail(fmt.Sprintf("host IP %q is not an IPv6 address", p.HostIP))
		}
		rest := strings.Split(spec[end+2:], ":")
		if len(rest) != 2 {
			return fail(portSyntax)
		}
		parts = append([]string{p.HostIP}, rest...)
	} else {
		parts = strings.Split(spec, ":")
		if len(parts) == 3 {
			p.HostIP = parts[0]
		}
	}
	var host, container string
	switch len(parts) {
	case 1:
		container = parts[0]
	case 2:
		host, container = parts[0], parts[1]
		if host == "" {
			return fail("host port is empty; " + portSyntax)
		}
	case 3:
		host, container = parts[1], parts[2]
		if p.HostIP == "" {
			return fail("host IP is empty; " + portSyntax)
		}
	default:
		return fail("too many ':'; write IPv6 addresses in brackets; " + portSyntax)
	}
	var err error
	if p.Container, err = portNumber("container", container); err != nil {
		return fail(err.Error())
	}
	if host != "" {
		if p.Host, err = portNumber("host", host); err != nil {
			return fail(err.Error())
		}
	}
	if prob := portProblem(p); prob != "" {
		return fail(prob)
	}
	// One address has one spelling: [0:0:0:0:0:0:0:1] is stored as ::1, so
	// equal addresses compare equal everywhere.
	p.HostIP = CanonicalHostIP(p.HostIP)
	return p, nil
}

var portRangeRE = lazyRegexp(`^[0-9]+-[0-9]+$`)

func portNumber(which, s string) (int, error) {
	if portRangeRE().MatchString(s) {
		return 0, fmt.Errorf("%s port %q: port ranges are not supported; publish each port on its own", which, s)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if strings.HasPrefix(s, "-") && strings.Trim(s[1:], "0123456789") == "" && len(s) > 1 {
			return 0, fmt.Errorf("%s port %s is out of range 1-65535", which, s)
		}
		return 0, fmt.Errorf("%s port %q is not a number; %s", which, s, portSyntax)
	}
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("%s port %d is out of range 1-65535", which, n)
	}
	return n, nil
}

// FormatPort writes p in the short syntax ParsePort reads; the two are
// inverses.
func FormatPort(p Port) string {
	var b strings.Builder
	switch {
	case p.HostIP != "" && strings.Contains(p.HostIP, ":"):
		b.WriteString("[" + p.HostIP + "]:")
	case p.HostIP != "":
		b.WriteString(p.HostIP + ":")
	}
	if p.Host != 0 {
		b.WriteString(strconv.Itoa(p.Host) + ":")
	} else if p.HostIP != "" {
		b.WriteString(":")
	}
	b.WriteString(strconv.Itoa(p.Container))
	if p.Protocol != "" {
		b.WriteString("/" + p.Protocol)
	}
	return b.String()
}

const volumeSyntax = "want SOURCE:TARGET[:ro|:rw] where SOURCE is a volume name or an absolute host path and TARGET an absolute container path"

// ParseVolume parses "SOURCE:TARGET[:ro|:rw]". field names the input in
// errors (*FieldError).
func ParseVolume(field, s string) (Volume, error) {
	fail := func(rule string) (Volume, error) {
		return Volume{}, Errf(field, fmt.Sprintf("%q: %s", s, rule))
	}
	parts := strings.Split(s, ":")
	var v Volume
	switch len(parts) {
	case 2:
	case 3:
		switch parts[2] {
		case "ro":
			v.ReadOnly = true
		case "rw":
		default:
			return fail(fmt.Sprintf("mode %q is not ro or rw (SELinux and propagation options are not portable)", parts[2]))
		}
	default:
		return fail(volumeSyntax)
	}
	v.Source, v.Target = parts[0], parts[1]
	if prob := volumeProblem(v); prob != "" {
		return fail(prob)
	}
	return v, nil
}

// FormatVolume writes v in the syntax ParseVolume reads.
func FormatVolume(v Volume) string {
	s := v.Source + ":" + v.Target
	if v.ReadOnly {
		s += ":ro"
	}
	return s
}

// ParseEnvAssign parses "KEY=VALUE" (the value may be empty or contain '=').
func ParseEnvAssign(s string) (key, value string, err error) {
	// The value may be a secret: errors name the key, never the value.
	key, value, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", Errf("env", "want KEY=VALUE; the argument has no \"=\"")
	}
	if !envKeyRE().MatchString(key) {
		return "", "", Errf("env", fmt.Sprintf("%q is not a valid environment variable name (^[A-Za-z_][A-Za-z0-9_.-]*$)", key))
	}
	if p := TextProblem(value); p != "" {
		return "", "", Errf("env", key+": value "+p)
	}
	return key, value, nil
}

// ParseFileAssign parses "TARGET=@LOCALPATH": the container path a config
// file is mounted at and the local file its content comes from. It reads
// nothing.
func ParseFileAssign(s string) (target, local string, err error) {
	target, local, ok := strings.Cut(s, "=@")
	if !ok {
		return "", "", Errf("file", fmt.Sprintf("%q: want TARGET=@LOCALPATH, e.g. /etc/app/config.yml=@./config.yml", s))
	}
	if local == "" {
		return "", "", Errf("file", fmt.Sprintf("%q: the local path after '@' is empty", s))
	}
	c := &checker{}
	c.file("file", ConfigFile{Target: target})
	if len(c.errs) > 0 {
		return "", "", Errf("file", fmt.Sprintf("%q: target %s", s, c.errs[0].Rule))
	}
	return target, local, nil
}

// ParseLabel parses "KEY=VALUE" for a container label; devarch.* keys are
// reserved.
func ParseLabel(s string) (key, value string, err error) {
	key, value, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return "", "", Errf("label", fmt.Sprintf("%q: want KEY=VALUE", s))
	case strings.TrimSpace(key) == "":
		return "", "", Errf("label", fmt.Sprintf("%q: the key is empty", s))
	case TextProblem(key) != "":
		return "", "", Errf("label", fmt.Sprintf("label key %q %s", key, TextProblem(key)))
	case strings.HasPrefix(key, "devarch."):
		return "", "", Errf("label", fmt.Sprintf("%q: devarch.* labels are reserved: devarch sets them itself", s))
	case TextProblem(value) != "":
		return "", "", Errf("label", fmt.Sprintf("%s: value %s", key, TextProblem(value)))
	}
	return key, value, nil
}
