package api

// Wire types of the everyday verbs: exec, run, stop, start, restart, port,
// and copies of a stack.

import "github.com/devarch-dev/devarch/core"

// ControlRequest stops, starts or restarts containers of a stack: those of
// Instances, or every instance's when it is empty.
type ControlRequest struct {
	Runtime     RuntimeSpec   `json:"runtime"`
	Instances   []string      `json:"instances,omitempty"`
	LockTimeout core.Duration `json:"lock_timeout,omitempty"`
}

// ControlResult names the containers a stop, start or restart acted on,
// sorted, with their instances.
type ControlResult struct {
	Stack      string               `json:"stack"`
	Action     string               `json:"action"` // stop, start or restart
	Containers []ControlledInstance `json:"containers"`
}

// ControlledInstance is one container a stop, start or restart acted on.
type ControlledInstance struct {
	Instance  string `json:"instance"`
	Container string `json:"container"`
}

// ExecTarget is where the CLI runs `exec` or `run`: the engine (as a
// RuntimeSpec the CLI hands to daemon/runtime) and the instance's running
// container, checked to carry the stack's and instance's devarch labels.
type ExecTarget struct {
	Stack     string      `json:"stack"`
	Instance  string      `json:"instance"`
	Runtime   RuntimeSpec `json:"runtime"`
	Container string      `json:"container"`
}

// RunTarget is what the CLI needs for a one-off container of an instance
// (`run`): the engine, the compose project and service, the project's
// compose file as applied (its secret values in plaintext: the CLI writes
// it to a 0600 file it removes afterwards) and the directory its relative
// paths resolve against.
type RunTarget struct {
	Stack       string      `json:"stack"`
	Instance    string      `json:"instance"`
	Runtime     RuntimeSpec `json:"runtime"`
	Project     string      `json:"project"`
	Service     string      `json:"service"`
	ComposeYAML string      `json:"compose_yaml"`
	Workdir     string      `json:"workdir,omitempty"`
}

// PortBinding is one published port of an instance's container.
type PortBinding struct {
	Private  string `json:"private"` // 80/tcp
	HostIP   string `json:"host_ip"`
	HostPort string `json:"host_port"`
}

// StackCopyRequest copies a stack's definition and secrets to a new stack
// Name. PortOffset shifts every published host port; NoPorts drops them.
type StackCopyRequest struct {
	Name       string `json:"name"`
	PortOffset int    `json:"port_offset,omitempty"`
	NoPorts    bool   `json:"no_ports,omitempty"`
}
