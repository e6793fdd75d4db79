package client

import (
	"context"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// Stop stops containers of a stack (req.Instances, or all).
func (c *Client) Stop(ctx context.Context, stack string, req api.ControlRequest) (api.ControlResult, error) {
	return c.control(ctx, api.RouteStop, stack, req)
}

// Start starts containers of a stack (req.Instances, or all).
func (c *Client) Start(ctx context.Context, stack string, req api.ControlRequest) (api.ControlResult, error) {
	return c.control(ctx, api.RouteStart, stack, req)
}

// Restart restarts containers of a stack (req.Instances, or all).
func (c *Client) Restart(ctx context.Context, stack string, req api.ControlRequest) (api.ControlResult, error) {
	return c.control(ctx, api.RouteRestart, stack, req)
}

func (c *Client) control(ctx context.Context, rt api.Route, stack string, req api.ControlRequest) (api.ControlResult, error) {
	var out api.ControlResult
	return out, c.call(ctx, request{route: rt, args: []string{stack}, body: req}, &out)
}

// ExecTarget asks where `exec` runs: the engine and the instance's
// running container.
func (c *Client) ExecTarget(ctx context.Context, stack, instance string, rt api.RuntimeSpec) (api.ExecTarget, error) {
	var out api.ExecTarget
	return out, c.call(ctx, request{route: api.RouteExecTarget, args: []string{stack, instance}, body: rt}, &out)
}

// RunTarget asks what `run` needs: the engine and the applied compose
// project, its secret values in plaintext.
func (c *Client) RunTarget(ctx context.Context, stack, instance string, rt api.RuntimeSpec) (api.RunTarget, error) {
	var out api.RunTarget
	return out, c.call(ctx, request{route: api.RouteRunTarget, args: []string{stack, instance}, body: rt}, &out)
}

// Ports lists the published ports of an instance's container.
func (c *Client) Ports(ctx context.Context, stack, instance string, rt api.RuntimeSpec) ([]api.PortBinding, error) {
	var out []api.PortBinding
	return out, c.call(ctx, request{route: api.RoutePorts, args: []string{stack, instance}, query: runtimeQuery(rt)}, &out)
}

// CopyStack copies a stack, secrets included, inside the daemon.
func (c *Client) CopyStack(ctx context.Context, stack string, req api.StackCopyRequest) (core.Stack, error) {
	var out core.Stack
	return out, c.call(ctx, request{route: api.RouteStackCopy, args: []string{stack}, body: req}, &out)
}
