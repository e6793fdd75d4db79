package core

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParsePortVolume feeds arbitrary text to the port and volume parsers
// the CLI's --port and --volume values and the short forms of devarch.yml
// go through: they never panic, refuse with a *FieldError on the field
// they were given, and what they accept formats back to a value that
// parses to the same port or volume.
func FuzzParsePortVolume(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:8080:80", "[::1]:8080:80/udp", "::80", "0:80",
		"data:/var/lib/data", "/srv:/srv:ro", "./rel:/x", "a:b:c:d", "", ":", "65536:1", "-1", "1e3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePort("ports[0]", s)
		checkField(t, "port", s, err)
		if err == nil {
			back, err := ParsePort("ports[0]", FormatPort(p))
			if err != nil || back != p {
				t.Fatalf("port %q: parsed %+v, formatted %q, parsed again %+v, %v", s, p, FormatPort(p), back, err)
			}
		}
		v, err := ParseVolume("volumes[0]", s)
		checkField(t, "volume", s, err)
		if err == nil {
			back, err := ParseVolume("volumes[0]", FormatVolume(v))
			if err != nil || back != v {
				t.Fatalf("volume %q: parsed %+v, formatted %q, parsed again %+v, %v", s, v, FormatVolume(v), back, err)
			}
		}
	})
}

func checkField(t *testing.T, what, s string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("%s %q: error %T %v; want a *FieldError", what, s, err, err)
	}
	if !strings.HasPrefix(fe.Field, what+"s[0]") {
		t.Fatalf("%s %q: error names field %q; want %ss[0]", what, s, fe.Field, what)
	}
}
