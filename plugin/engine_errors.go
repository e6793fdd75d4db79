package main

import (
	"errors"
	"regexp"
	"strings"

	"github.com/devarch-dev/devarch/plugin/render"
)

// engineDown matches what the docker and podman CLIs say when their engine
// does not answer.
var engineDown = regexp.MustCompile(`(?i)cannot connect to the docker daemon|is the docker daemon running|error during connect|` +
	`unable to connect to podman|cannot connect to podman|connect: connection refused|connect: no such file or directory|no such host`)

// explainError makes err print well: a prefix the error repeats
// ("list containers of stack "s": list containers of stack "s": ...") is
// said once, and an engine that does not answer gets a hint on how to find
// out which engine devarch talked to.
func explainError(err error) error {
	msg := err.Error()
	clean := dropRepeats(msg)
	if !engineDown.MatchString(clean) {
		if clean == msg {
			return err
		}
		return keepHint(err, clean, "")
	}
	hint := "is the Docker engine running? `docker context ls` shows the engine the docker CLI talks to " +
		"(DOCKER_HOST, DOCKER_CONTEXT or --context choose another)"
	if strings.Contains(strings.ToLower(clean), "podman") {
		hint = "is the Podman service running? `podman system connection ls` shows the connections podman uses"
	}
	return keepHint(err, clean, hint)
}

// keepHint is an error saying msg, with err's hint (if any) and extra.
func keepHint(err error, msg, extra string) error {
	var h render.Hinter
	hint := ""
	if errors.As(err, &h) {
		hint = h.Hint()
	}
	if extra != "" && !strings.Contains(hint, extra) {
		hint = strings.TrimSpace(hint + "\n" + extra)
	}
	return withHint(errors.New(msg), hint)
}

// dropRepeats removes a ": "-separated part that repeats the one before it.
func dropRepeats(msg string) string {
	parts := strings.Split(msg, ": ")
	out := parts[:0:0]
	for i, p := range parts {
		if i > 0 && p == parts[i-1] {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ": ")
}
