package core

import (
	"fmt"
	"slices"
)

// Compose modes of a stack (Stack.ComposeMode); see README.md.
const (
	// ComposeModeStack runs the whole stack as one compose project,
	// devarch-{stack}: the default.
	ComposeModeStack = "stack"
	// ComposeModePerService runs each instance as its own compose project,
	// devarch-{stack}-{instance}, on the stack network devarch owns.
	ComposeModePerService = "per-service"
)

// ComposeModes lists the compose modes, the default first.
var ComposeModes = []string{ComposeModeStack, ComposeModePerService}

// Endpoint modes of a stack's services on a swarm (Stack.EndpointMode).
const (
	// EndpointDNSRR resolves a service name to its tasks' addresses:
	// the default, as it needs nothing from the kernel.
	EndpointDNSRR = "dnsrr"
	// EndpointVIP gives each service one virtual IP balanced by IPVS,
	// which the kernel of every swarm node must provide.
	EndpointVIP = "vip"
)

// EndpointModes lists the endpoint modes, the default first.
var EndpointModes = []string{EndpointDNSRR, EndpointVIP}

// EffectiveComposeMode is mode with the default applied: "" is
// ComposeModeStack.
func EffectiveComposeMode(mode string) string {
	if mode == "" {
		return ComposeModeStack
	}
	return mode
}

// EffectiveEndpointMode is mode with the default applied: "" is
// EndpointDNSRR.
func EffectiveEndpointMode(mode string) string {
	if mode == "" {
		return EndpointDNSRR
	}
	return mode
}

// ValidateComposeMode checks a compose mode: empty (the default), stack
// or per-service.
func ValidateComposeMode(field, mode string) error {
	if mode == "" || slices.Contains(ComposeModes, mode) {
		return nil
	}
	return Errf(field, fmt.Sprintf("%q is not a compose mode: want %s (one compose project for the stack, the default) or %s (one project per instance)",
		mode, ComposeModeStack, ComposeModePerService))
}

// ValidateEndpointMode checks a swarm endpoint mode: empty (the default),
// dnsrr or vip.
func ValidateEndpointMode(field, mode string) error {
	if mode == "" || slices.Contains(EndpointModes, mode) {
		return nil
	}
	return Errf(field, fmt.Sprintf("%q is not an endpoint mode: want %s (DNS round robin, the default) or %s (a virtual IP; needs IPVS in every node's kernel)",
		mode, EndpointDNSRR, EndpointVIP))
}

// InstanceProjectName is the compose project of an instance in
// per-service mode: devarch-{stack}-{instance}, its container's name.
func InstanceProjectName(stack, instance string) string { return ContainerName(stack, instance) }
