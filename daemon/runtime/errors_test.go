package runtime

import (
	"os"
	"testing"
)

func TestParseComposeError(t *testing.T) {
	tests := []struct {
		file, op, project string
		instance, reason  string
		message           string
	}{
		{"docker-port-allocated.txt", "up", "devarch-samp", "api", "port 18081 already allocated",
			"instance api: port 18081 already allocated"},
		{"docker-name-conflict.txt", "up", "devarch-samp4", "db", "container name devarch-samp4-db is already in use by another container",
			"instance db: container name devarch-samp4-db is already in use by another container"},
		{"docker-pull-failed.txt", "up", "devarch-samp3", "db",
			`pull image: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host`, ""},
		{"docker-config-yaml.txt", "config", "", "", "yaml: line 2: did not find expected node content",
			"compose config: yaml: line 2: did not find expected node content"},
		{"docker-config-schema.txt", "config", "", "", "validating -: services.x Additional property bogus is not allowed", ""},
		// Both containers were starting when the engine failed: no single instance to blame.
		{"podman-rlimit.txt", "up", "devarch-samp", "",
			"runc: runc create failed: unable to start container process: error during container init: error setting rlimits for ready process: error setting rlimit type 6: operation not permitted: OCI permission denied", ""},
		{"podman-port-in-use.txt", "up", "devarch-samp", "", "port 8080 already allocated", "compose up: port 8080 already allocated"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			stderr, err := os.ReadFile("testdata/stderr/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			ce := ParseComposeError(tt.op, tt.project, string(stderr))
			if ce.Instance != tt.instance {
				t.Errorf("instance = %q, want %q", ce.Instance, tt.instance)
			}
			if ce.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", ce.Reason, tt.reason)
			}
			if ce.Stderr != string(stderr) {
				t.Errorf("stderr not kept")
			}
			if tt.message != "" && ce.Error() != tt.message {
				t.Errorf("Error() = %q, want %q", ce.Error(), tt.message)
			}
		})
	}
}

func TestParseComposeErrorAttribution(t *testing.T) {
	tests := []struct {
		name, stderr, want string
	}{
		{"one container left starting",
			" Container devarch-s-db  Started\n Container devarch-s-api  Starting\nError response from daemon: something broke\n", "api"},
		{"longer instance names are not cut",
			"Error response from daemon: endpoint devarch-s-db-replica (abc): failed\n", "db-replica"},
		{"the network is no instance",
			"Error response from daemon: network devarch-s-net not found\n", ""},
		{"another project's container is not ours",
			"Error response from daemon: endpoint xdevarch-s-api failed\n", ""},
		{"empty stderr", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseComposeError("up", "devarch-s", tt.stderr).Instance; got != tt.want {
				t.Errorf("instance = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestComposeErrorMessage(t *testing.T) {
	tests := []struct {
		err  ComposeError
		want string
	}{
		{ComposeError{Op: "up", Instance: "api", Reason: "port 8080 already allocated"}, "instance api: port 8080 already allocated"},
		{ComposeError{Op: "down", Stderr: "first\nlast line\n"}, "compose down: last line"},
		{ComposeError{Op: "up"}, "compose up: failed"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
