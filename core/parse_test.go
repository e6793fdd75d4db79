package core

import (
	"strings"
	"testing"
)

func TestParsePort(t *testing.T) {
	tests := []struct {
		in   string
		want Port
		err  string // substring of the error; "" means valid
	}{
		{in: "80", want: Port{Container: 80}},
		{in: "53/udp", want: Port{Container: 53, Protocol: "udp"}},
		{in: "8080:80", want: Port{Host: 8080, Container: 80}},
		{in: "8080:80/tcp", want: Port{Host: 8080, Container: 80, Protocol: "tcp"}},
		{in: "8080:80/TCP", want: Port{Host: 8080, Container: 80, Protocol: "tcp"}},
		{in: "127.0.0.1:5432:5432", want: Port{HostIP: "127.0.0.1", Host: 5432, Container: 5432}},
		{in: "127.0.0.1::5432", want: Port{HostIP: "127.0.0.1", Container: 5432}},
		{in: "[::1]:8080:80", want: Port{HostIP: "::1", Host: 8080, Container: 80}},
		{in: "[::]:53:53/udp", want: Port{HostIP: "::", Host: 53, Container: 53, Protocol: "udp"}},
		{in: "", err: "not a number"},
		{in: "70000:1", err: "host port 70000 is out of range 1-65535"},
		{in: "1:0", err: "container port 0 is out of range 1-65535"},
		{in: "http", err: "not a number"},
		{in: "80/sctp", err: `protocol "sctp" is not tcp or udp`},
		{in: ":80", err: "host port is empty"},
		{in: "8000-8010:80", err: "ranges are not supported"},
		{in: "localhost:80:80", err: "not an IPv4 or IPv6 address"},
		{in: "::1:80:80", err: "brackets"},
		{in: "[::1:80:80", err: "brackets"},
		{in: "[127.0.0.1]:80:80", err: "not an IPv6 address"},
		{in: ":80:80", err: "host IP is empty"},
		// IPv6 host addresses are stored in their canonical form.
		{in: "[0:0:0:0:0:0:0:1]:16110:6379", want: Port{HostIP: "::1", Host: 16110, Container: 6379}},
		{in: "[FD00:0:0::A]:80:80", want: Port{HostIP: "fd00::a", Host: 80, Container: 80}},
		{in: "[0::0]:80:80/udp", want: Port{HostIP: "::", Host: 80, Container: 80, Protocol: "udp"}},
		{in: "[::ffff:127.0.0.1]:80:80", want: Port{HostIP: "::ffff:127.0.0.1", Host: 80, Container: 80}},
		{in: "[fe80::1%eth0]:80:80", err: "not an IPv6 address"},
		{in: "0127.0.0.1:80:80", err: "not an IPv4 or IPv6 address"},
		// A negative port is out of range, not a range.
		{in: "-1:5432", err: "host port -1 is out of range 1-65535"},
		{in: "80:-5", err: "container port -5 is out of range 1-65535"},
		{in: "-99999999999999999999:1", err: "host port -99999999999999999999 is out of range 1-65535"},
		{in: "8000-8010:80", err: "host port \"8000-8010\": port ranges are not supported"},
		{in: "1-:80", err: "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePort("ports[0]", tt.in)
			if tt.err != "" {
				fe := AsFieldErrors(err)
				if len(fe) != 1 || fe[0].Field != "ports[0]" || !strings.Contains(fe[0].Rule, tt.err) || !strings.Contains(fe[0].Rule, `"`+tt.in+`"`) {
					t.Fatalf("ParsePort(%q) error = %v, want field ports[0] naming the input and %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParsePort(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatPortRoundTrip(t *testing.T) {
	for _, in := range []string{"80", "53/udp", "8080:80", "8080:80/tcp", "127.0.0.1:5432:5432",
		"127.0.0.1::5432", "[::1]:8080:80", "[::]:53:53/udp", "0.0.0.0:1:65535"} {
		t.Run(in, func(t *testing.T) {
			p, err := ParsePort("p", in)
			if err != nil {
				t.Fatal(err)
			}
			if out := FormatPort(p); out != in {
				t.Fatalf("FormatPort(ParsePort(%q)) = %q", in, out)
			}
			back, err := ParsePort("p", FormatPort(p))
			if err != nil || back != p {
				t.Fatalf("round trip of %+v gave %+v, %v", p, back, err)
			}
		})
	}
}

func TestParseVolume(t *testing.T) {
	tests := []struct {
		in   string
		want Volume
		err  string
	}{
		{in: "data:/var/lib/data", want: Volume{Source: "data", Target: "/var/lib/data"}},
		{in: "data:/var/lib/data:ro", want: Volume{Source: "data", Target: "/var/lib/data", ReadOnly: true}},
		{in: "/srv/app:/app:rw", want: Volume{Source: "/srv/app", Target: "/app"}},
		{in: "my_vol.1:/x", want: Volume{Source: "my_vol.1", Target: "/x"}},
		{in: "data", err: "want SOURCE:TARGET"},
		{in: "data:relative/path", err: "must be an absolute path"},
		{in: "data:/a/../b", err: "not a clean path"},
		{in: "data:/", err: "root directory"},
		{in: "./data:/x", err: "neither an absolute host path nor a volume name"},
		{in: "/srv//app:/x", err: "not a clean path"},
		{in: ":/x", err: "source is required"},
		{in: "data:/x:z", err: "not ro or rw"},
		{in: "a:/b:ro:extra", err: "want SOURCE:TARGET"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseVolume("volumes[0]", tt.in)
			if tt.err != "" {
				fe := AsFieldErrors(err)
				if len(fe) != 1 || fe[0].Field != "volumes[0]" || !strings.Contains(fe[0].Rule, tt.err) {
					t.Fatalf("ParseVolume(%q) error = %v, want field volumes[0] and %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseVolume(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			if back, _ := ParseVolume("v", FormatVolume(got)); back != got {
				t.Errorf("FormatVolume round trip: %q -> %+v", FormatVolume(got), back)
			}
		})
	}
}

func TestParseEnvAssign(t *testing.T) {
	tests := []struct{ in, k, v, err string }{
		{in: "A=1", k: "A", v: "1"},
		{in: "A=", k: "A", v: ""},
		{in: "URL=a=b", k: "URL", v: "a=b"},
		{in: "spring.profile=dev", k: "spring.profile", v: "dev"},
		{in: "A", err: "want KEY=VALUE"},
		{in: "=s3cr3t", err: "not a valid environment variable name"},
		{in: "1A=s3cr3t", err: "not a valid environment variable name"},
		{in: "bad key=s3cr3t", err: "not a valid environment variable name"},
		{in: "TOKENs3cr3t", err: "want KEY=VALUE"},
		{in: "TOKEN=s3cr3t\xff", err: "TOKEN: value is not valid UTF-8 text"},
		{in: "TOKEN=s3cr3t\x00", err: "TOKEN: value contains a NUL byte"},
		{in: "GREETING=héllo", k: "GREETING", v: "héllo"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, v, err := ParseEnvAssign(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseEnvAssign(%q) = %v, want %q", tt.in, err, tt.err)
				}
				// The value may be a secret: it never appears in the error.
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Errorf("ParseEnvAssign(%q) error shows the value: %v", tt.in, err)
				}
				return
			}
			if err != nil || k != tt.k || v != tt.v {
				t.Fatalf("ParseEnvAssign(%q) = %q, %q, %v", tt.in, k, v, err)
			}
		})
	}
}

func TestParseFileAssign(t *testing.T) {
	tests := []struct{ in, target, local, err string }{
		{in: "/etc/app.conf=@./app.conf", target: "/etc/app.conf", local: "./app.conf"},
		{in: "/etc/a=b=@/tmp/a=b", target: "/etc/a=b", local: "/tmp/a=b"},
		{in: "/etc/app.conf=./app.conf", err: "want TARGET=@LOCALPATH"},
		{in: "/etc/app.conf=@", err: "local path after '@' is empty"},
		{in: "etc/app.conf=@x", err: "absolute"},
		{in: "/etc/../app.conf=@x", err: "clean"},
		{in: "=@x", err: "required"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			target, local, err := ParseFileAssign(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseFileAssign(%q) = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || target != tt.target || local != tt.local {
				t.Fatalf("ParseFileAssign(%q) = %q, %q, %v", tt.in, target, local, err)
			}
		})
	}
}

func TestParseLabel(t *testing.T) {
	tests := []struct{ in, k, v, err string }{
		{in: "team=core", k: "team", v: "core"},
		{in: "com.example.x=", k: "com.example.x", v: ""},
		{in: "team", err: "want KEY=VALUE"},
		{in: "=x", err: "key is empty"},
		{in: "devarch.stack=x", err: "reserved"},
		{in: "team=c\xff", err: "team: value is not valid UTF-8 text"},
		{in: "team=c\x00", err: "team: value contains a NUL byte"},
		{in: "te\xffam=c", err: `label key "te\xffam" is not valid UTF-8 text`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			k, v, err := ParseLabel(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseLabel(%q) = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || k != tt.k || v != tt.v {
				t.Fatalf("ParseLabel(%q) = %q, %q, %v", tt.in, k, v, err)
			}
		})
	}
}
