package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
)

// Status describes the running daemon.
func (c *Client) Status(ctx context.Context) (api.Status, error) {
	var out api.Status
	return out, c.call(ctx, request{route: api.RouteStatus}, &out)
}

// Shutdown asks the daemon to stop; it finishes running jobs' cancellation first.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.call(ctx, request{route: api.RouteShutdown}, nil)
}

// ShutdownIfIdle asks the daemon to stop only when it runs no job: when it
// runs some it answers a conflict error naming them (IsConflict) and goes
// on serving. A daemon older than this request stops whatever it runs.
func (c *Client) ShutdownIfIdle(ctx context.Context) error {
	return c.call(ctx, request{route: api.RouteShutdown, body: api.ShutdownRequest{IfIdle: true}}, nil)
}

// Templates lists built-in and user templates.
func (c *Client) Templates(ctx context.Context) ([]core.Template, error) {
	var out []core.Template
	return out, c.call(ctx, request{route: api.RouteTemplates}, &out)
}

// Template returns one template.
func (c *Client) Template(ctx context.Context, name string) (core.Template, error) {
	var out core.Template
	return out, c.call(ctx, request{route: api.RouteTemplate, args: []string{name}}, &out)
}

// AddTemplate adds (or with Replace, replaces) a user template.
func (c *Client) AddTemplate(ctx context.Context, req api.TemplateAddRequest) (api.TemplateStored, error) {
	var out api.TemplateStored
	return out, c.call(ctx, request{route: api.RouteTemplateAdd, body: req}, &out)
}

// RemoveTemplate removes a user template.
func (c *Client) RemoveTemplate(ctx context.Context, name string) error {
	return c.call(ctx, request{route: api.RouteTemplateRemove, args: []string{name}}, nil)
}

// Stacks lists the stacks.
func (c *Client) Stacks(ctx context.Context) ([]api.StackSummary, error) {
	var out []api.StackSummary
	return out, c.call(ctx, request{route: api.RouteStacks}, &out)
}

// CreateStack creates an empty stack.
func (c *Client) CreateStack(ctx context.Context, req api.StackCreateRequest) (core.Stack, error) {
	var out core.Stack
	return out, c.call(ctx, request{route: api.RouteStackCreate, body: req}, &out)
}

// SetStack changes a stack's description, environment or joined networks.
func (c *Client) SetStack(ctx context.Context, name string, req api.StackSetRequest) (core.Stack, error) {
	var out core.Stack
	return out, c.call(ctx, request{route: api.RouteStackSet, args: []string{name}, body: req}, &out)
}

// Stack returns a stack's definition with secrets redacted.
func (c *Client) Stack(ctx context.Context, name string) (api.StackView, error) {
	var out api.StackView
	return out, c.call(ctx, request{route: api.RouteStack, args: []string{name}}, &out)
}

// RemoveStack deletes a stack's definition.
func (c *Client) RemoveStack(ctx context.Context, name string) error {
	return c.call(ctx, request{route: api.RouteStackRemove, args: []string{name}}, nil)
}

// Instances lists a stack's instances.
func (c *Client) Instances(ctx context.Context, stack string) ([]api.InstanceSummary, error) {
	var out []api.InstanceSummary
	return out, c.call(ctx, request{route: api.RouteInstances, args: []string{stack}}, &out)
}

// AddInstance adds an instance of a template to a stack.
func (c *Client) AddInstance(ctx context.Context, stack string, req api.InstanceAddRequest) (core.Instance, error) {
	var out core.Instance
	return out, c.call(ctx, request{route: api.RouteInstanceAdd, args: []string{stack}, body: req}, &out)
}

// Instance returns an instance and, with effective, its effective config.
func (c *Client) Instance(ctx context.Context, stack, name string, effective bool) (api.InstanceView, error) {
	var out api.InstanceView
	r := request{route: api.RouteInstance, args: []string{stack, name}}
	if effective {
		r.query = url.Values{"effective": {"1"}}
	}
	return out, c.call(ctx, r, &out)
}

// SetInstance changes an instance: the override fields its mask names, and whether it is enabled.
func (c *Client) SetInstance(ctx context.Context, stack, name string, req core.InstanceUpdate) (api.InstanceView, error) {
	var out api.InstanceView
	return out, c.call(ctx, request{route: api.RouteInstanceSet, args: []string{stack, name}, body: req}, &out)
}

// ResetInstance drops overrides of an instance.
func (c *Client) ResetInstance(ctx context.Context, stack, name string, req api.ResetRequest) (api.InstanceView, error) {
	var out api.InstanceView
	return out, c.call(ctx, request{route: api.RouteInstanceReset, args: []string{stack, name}, body: req}, &out)
}

// RenameInstance renames an instance; the answer lists the volumes it kept.
func (c *Client) RenameInstance(ctx context.Context, stack, name, newName string) (api.RenamedInstance, error) {
	var out api.RenamedInstance
	return out, c.call(ctx, request{route: api.RouteInstanceRename, args: []string{stack, name},
		body: api.NameRequest{Name: newName}}, &out)
}

// DuplicateInstance copies an instance with all its overrides to a new
// name; the answer lists the source's volumes the copy got its own of.
// req.Name is the new name; PortOffset or NoPorts change its host ports.
func (c *Client) DuplicateInstance(ctx context.Context, stack, name string, req api.NameRequest) (api.RenamedInstance, error) {
	var out api.RenamedInstance
	return out, c.call(ctx, request{route: api.RouteInstanceDuplicate, args: []string{stack, name}, body: req}, &out)
}

// RemoveInstance removes an instance from a stack; the answer carries the
// wiring warnings the removal causes.
func (c *Client) RemoveInstance(ctx context.Context, stack, name string) (api.InstanceRemoved, error) {
	var out api.InstanceRemoved
	return out, c.call(ctx, request{route: api.RouteInstanceRemove, args: []string{stack, name}}, &out)
}

// Wires returns a stack's wiring.
func (c *Client) Wires(ctx context.Context, stack string) (api.WiresView, error) {
	var out api.WiresView
	return out, c.call(ctx, request{route: api.RouteWires, args: []string{stack}}, &out)
}

// Wire adds or replaces an explicit wire.
func (c *Client) Wire(ctx context.Context, stack string, w core.Wire) (api.WiresView, error) {
	var out api.WiresView
	return out, c.call(ctx, request{route: api.RouteWireAdd, args: []string{stack}, body: w}, &out)
}

// Unwire removes the explicit wire of consumer's import (imp "" : every
// explicit wire of consumer).
func (c *Client) Unwire(ctx context.Context, stack, consumer, imp string) (api.WiresView, error) {
	var out api.WiresView
	q := url.Values{"consumer": {consumer}}
	if imp != "" {
		q.Set("import", imp)
	}
	return out, c.call(ctx, request{route: api.RouteWireRemove, args: []string{stack}, query: q}, &out)
}

// FileSources lists the stack's config files that follow a local file.
func (c *Client) FileSources(ctx context.Context, stack string) ([]core.FileSource, error) {
	var out []core.FileSource
	return out, c.call(ctx, request{route: api.RouteFileSources, args: []string{stack}}, &out)
}

// Config returns the stack's generated compose project.
func (c *Client) Config(ctx context.Context, stack string, showSecrets bool) (api.ConfigView, error) {
	var out api.ConfigView
	r := request{route: api.RouteConfig, args: []string{stack}}
	if showSecrets {
		r.query = url.Values{"show_secrets": {"1"}}
	}
	return out, c.call(ctx, r, &out)
}

// Plan computes (and with Save, stores) a plan for the stack, redacted.
func (c *Client) Plan(ctx context.Context, stack string, req api.PlanRequest) (plan.View, error) {
	var out plan.View
	return out, c.call(ctx, request{route: api.RoutePlan, args: []string{stack}, body: req}, &out)
}

// Apply starts an apply (or destroy) job; an empty plan returns a job that
// is already done.
func (c *Client) Apply(ctx context.Context, stack string, req api.ApplyRequest) (api.Job, error) {
	var out api.Job
	return out, c.call(ctx, request{route: api.RouteApply, args: []string{stack}, body: req}, &out)
}

// Build starts a job building the images of the stack's instances that
// build (or of req.Instances), without applying.
func (c *Client) Build(ctx context.Context, stack string, req api.ImagesRequest) (api.Job, error) {
	var out api.Job
	return out, c.call(ctx, request{route: api.RouteBuild, args: []string{stack}, body: req}, &out)
}

// Pull starts a job pulling the images of the stack's instances (or of
// req.Instances), without applying.
func (c *Client) Pull(ctx context.Context, stack string, req api.ImagesRequest) (api.Job, error) {
	var out api.Job
	return out, c.call(ctx, request{route: api.RoutePull, args: []string{stack}, body: req}, &out)
}

// PS lists the stack's containers found by devarch labels.
func (c *Client) PS(ctx context.Context, stack string, rt api.RuntimeSpec) ([]api.Container, error) {
	var out []api.Container
	return out, c.call(ctx, request{route: api.RoutePs, args: []string{stack}, query: runtimeQuery(rt)}, &out)
}

// LogsOptions selects what Logs streams.
type LogsOptions struct {
	Runtime  api.RuntimeSpec
	Instance string // empty: every instance
	Follow   bool
	Tail     int    // lines of history per container; 0: all
	Since    string // a duration back from now or a time (api.CheckLogsSince)
	// Timestamps starts each line with its time.
	Timestamps bool
}

// Logs streams container output, calling fn for every line.
func (c *Client) Logs(ctx context.Context, stack string, opts LogsOptions, fn func(api.LogLine) error) error {
	q := runtimeQuery(opts.Runtime)
	if opts.Instance != "" {
		q.Set("instance", opts.Instance)
	}
	if opts.Follow {
		q.Set("follow", "1")
	}
	if opts.Tail > 0 {
		q.Set("tail", strconv.Itoa(opts.Tail))
	}
	if opts.Since != "" {
		q.Set("since", opts.Since)
	}
	if opts.Timestamps {
		q.Set("timestamps", "1")
	}
	return stream(ctx, c, request{route: api.RouteLogs, args: []string{stack}, query: q}, fn)
}

// Lock returns who holds the stack's lock.
func (c *Client) Lock(ctx context.Context, stack string) (api.LockView, error) {
	var out api.LockView
	return out, c.call(ctx, request{route: api.RouteLock, args: []string{stack}}, &out)
}

// Unlock force-releases the stack's locks (one holder when req.ID is set)
// and returns how many were released.
func (c *Client) Unlock(ctx context.Context, stack string, req api.UnlockRequest) (int, error) {
	var out api.UnlockResult
	return out.Released, c.call(ctx, request{route: api.RouteUnlock, args: []string{stack}, body: req}, &out)
}

// Export returns the stack as devarch.yml.
func (c *Client) Export(ctx context.Context, stack string, req api.ExportRequest) (api.FileView, error) {
	var out api.FileView
	return out, c.call(ctx, request{route: api.RouteExport, args: []string{stack}, body: req}, &out)
}

// Import imports a devarch.yml.
func (c *Client) Import(ctx context.Context, req api.ImportRequest) (api.ImportResult, error) {
	var out api.ImportResult
	return out, c.call(ctx, request{route: api.RouteImport, body: req}, &out)
}

// ImportCompose turns a compose file into templates and a stack.
func (c *Client) ImportCompose(ctx context.Context, req api.ImportComposeRequest) (api.ImportResult, error) {
	var out api.ImportResult
	return out, c.call(ctx, request{route: api.RouteImportCompose, body: req}, &out)
}

// Jobs lists jobs, newest first as the daemon orders them.
func (c *Client) Jobs(ctx context.Context) ([]api.Job, error) {
	var out []api.Job
	return out, c.call(ctx, request{route: api.RouteJobs}, &out)
}

// Job returns one job.
func (c *Client) Job(ctx context.Context, id string) (api.Job, error) {
	var out api.Job
	return out, c.call(ctx, request{route: api.RouteJob, args: []string{id}}, &out)
}

// JobEvents streams a job's events: the recorded ones, and with follow the
// live ones until the final event. fn is called for each.
func (c *Client) JobEvents(ctx context.Context, id string, follow bool, fn func(api.Event) error) error {
	r := request{route: api.RouteJobEvents, args: []string{id}}
	if follow {
		r.query = url.Values{"follow": {"1"}}
	}
	return stream(ctx, c, r, fn)
}

// CancelJob asks the daemon to cancel a job.
func (c *Client) CancelJob(ctx context.Context, id string) (api.Job, error) {
	var out api.Job
	return out, c.call(ctx, request{route: api.RouteJobCancel, args: []string{id}}, &out)
}

// RotateKey re-seals every record under a new key.
func (c *Client) RotateKey(ctx context.Context) (api.KeyRotateResult, error) {
	var out api.KeyRotateResult
	return out, c.call(ctx, request{route: api.RouteKeyRotate}, &out)
}
