package proc

import "testing"

func TestErrorLineSkipsUsageHint(t *testing.T) {
	tests := map[string]string{
		"docker: Error response from daemon: network x not found.\n\nRun 'docker run --help' for more information\n": "docker: Error response from daemon: network x not found.",
		"Error: No such container: x\n":                  "Error: No such container: x",
		"first\nsecond\n":                                "second",
		"Run 'docker run --help' for more information\n": "Run 'docker run --help' for more information",
		"": "",
	}
	for in, want := range tests {
		if got := ErrorLine(in); got != want {
			t.Errorf("ErrorLine(%q) = %q, want %q", in, got, want)
		}
	}
}
