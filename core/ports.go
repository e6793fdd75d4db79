package core

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// PortConflicts returns a warning for every host port an enabled instance of
// d publishes that an enabled instance of another stack in others publishes
// too (same port and protocol, and the same host IP or a wildcard one: "",
// "0.0.0.0" and "::" overlap any address). Each warning
// names the other stack and instance. Entries of others for d's own stack
// are ignored. The result is sorted by instance, port and other stack.
func PortConflicts(d Desired, others []Desired) []Diagnostic {
	type hit struct {
		inst, stack, other string
		port               Port
	}
	var hits []hit
	for _, s := range d.Services {
		if !s.Enabled {
			continue
		}
		for _, p := range s.Ports {
			if p.Host == 0 {
				continue
			}
			for _, o := range others {
				if o.Stack == d.Stack {
					continue
				}
				for _, os := range o.Services {
					if !os.Enabled {
						continue
					}
					if slices.ContainsFunc(os.Ports, func(q Port) bool { return portsOverlap(p, q) }) {
						hits = append(hits, hit{inst: s.Instance, stack: o.Stack, other: os.Instance, port: p})
					}
				}
			}
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.inst, b.inst), cmp.Compare(a.port.Host, b.port.Host),
			cmp.Compare(a.stack, b.stack), cmp.Compare(a.other, b.other))
	})
	out := make([]Diagnostic, 0, len(hits))
	for _, h := range hits {
		out = append(out, Diagnostic{
			Severity: SeverityWarning,
			Instance: h.inst,
			Message: fmt.Sprintf("host port %s is also published by instance %s of stack %s; only one of them can run at a time",
				HostPortString(h.port), h.other, h.stack),
		})
	}
	return out
}

// HostPortString formats the host side of p: "[IP:]PORT/PROTO".
func HostPortString(p Port) string {
	s := fmt.Sprintf("%d/%s", p.Host, protocol(p))
	if p.HostIP == "" {
		return s
	}
	if strings.Contains(p.HostIP, ":") {
		return "[" + p.HostIP + "]:" + s
	}
	return p.HostIP + ":" + s
}

func protocol(p Port) string {
	if p.Protocol == "" {
		return "tcp"
	}
	return strings.ToLower(p.Protocol)
}

// portsOverlap reports whether two published ports claim the same host
// socket.
func portsOverlap(a, b Port) bool {
	if a.Host == 0 || a.Host != b.Host || protocol(a) != protocol(b) {
		return false
	}
	return ipsOverlap(a.HostIP, b.HostIP)
}

// ipsOverlap reports whether two host IPs can claim the same socket: the
// same address (compared parsed, so "::1" and "0:0:0:0:0:0:0:1" or an
// IPv4-mapped address and its IPv4 form match), or either is a wildcard
// ("", "0.0.0.0", "::" in any spelling).
func ipsOverlap(a, b string) bool {
	return sameHostIP(a, b) || wildcardIP(a) || wildcardIP(b)
}

// sameHostIP reports whether a and b name the same host address; "" is
// its own value. Unparsable values compare as strings.
func sameHostIP(a, b string) bool {
	if a == b {
		return true
	}
	pa, errA := netip.ParseAddr(a)
	pb, errB := netip.ParseAddr(b)
	if errA != nil || errB != nil {
		return false
	}
	return pa.Unmap() == pb.Unmap()
}

func wildcardIP(ip string) bool {
	if ip == "" {
		return true
	}
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsUnspecified()
}

// CanonicalHostIP returns ip in its canonical form (IPv6 compressed and
// lowercase, as net/netip writes it), or ip unchanged when it does not
// parse.
func CanonicalHostIP(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" {
		return ip
	}
	return a.String()
}
