package devfile

import (
	"strings"
	"testing"
)

// TestComposePathsAsComposeTakesThem: a trailing slash is cleaned, not
// refused; an unset variable that leaves a volume spec empty gets compose's
// own error, naming the variable.
func TestComposePathsAsComposeTakesThem(t *testing.T) {
	ci, err := fromComposeData(t, "services:\n  dns:\n    image: pihole/pihole:2024.07.0\n    volumes:\n      - ./etc-pihole/:/etc/pihole/\n      - dnsmasq:/etc/dnsmasq.d/\nvolumes:\n  dnsmasq: {}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	in := ci.Stack.Instances[0]
	if in.Overrides.Volumes == nil {
		t.Fatal("no volumes")
	}
	vols := *in.Overrides.Volumes
	if len(vols) != 2 || vols[0].Source != "/srv/project/etc-pihole" || vols[0].Target != "/etc/pihole" || vols[1].Target != "/etc/dnsmasq.d" {
		t.Errorf("volumes = %+v", vols)
	}
	_, err = fromComposeData(t, "services:\n  a:\n    image: alpine:3\n    volumes:\n      - ${DATA}:/data\n", nil)
	if err == nil || !strings.Contains(err.Error(), "empty section between colons") || !strings.Contains(err.Error(), "DATA") {
		t.Errorf("unset variable in a volume: %v", err)
	}
}
