package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Route is one endpoint of the API. Each is declared once, below: the
// daemon registers every route of Routes with its handler, and the client
// builds every request from one.
type Route struct {
	Name   string // unique; the daemon finds the route's handler by it
	Method string
	Path   string // below Prefix; {wildcards} as in net/http patterns
}

// Pattern is the route's net/http.ServeMux pattern, e.g. "GET /v1/stacks/{stack}".
func (r Route) Pattern() string { return r.Method + " " + Prefix + r.Path }

// URLPath is the route's path below Prefix with its wildcards replaced, in
// order, by args, each escaped as one path segment.
func (r Route) URLPath(args ...string) (string, error) {
	var b strings.Builder
	rest, n := r.Path, 0
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("route %s: unclosed wildcard in %s", r.Name, r.Path)
		}
		if n >= len(args) {
			return "", fmt.Errorf("route %s: %s needs more than %d argument(s)", r.Name, r.Path, len(args))
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(args[n]))
		rest, n = rest[i+j+1:], n+1
	}
	if n != len(args) {
		return "", fmt.Errorf("route %s: %s takes %d argument(s), got %d", r.Name, r.Path, n, len(args))
	}
	b.WriteString(rest)
	return b.String(), nil
}

// The routes, each with its request body (or query) and its answer.
var (
	RouteStatus   = Route{"Status", http.MethodGet, "/status"}      // -> Status
	RouteShutdown = Route{"Shutdown", http.MethodPost, "/shutdown"} // ShutdownRequest -> {}

	RouteTemplates      = Route{"Templates", http.MethodGet, "/templates"}                // -> []core.Template
	RouteTemplateAdd    = Route{"TemplateAdd", http.MethodPost, "/templates"}             // TemplateAddRequest -> TemplateStored
	RouteTemplate       = Route{"Template", http.MethodGet, "/templates/{name}"}          // -> core.Template
	RouteTemplateRemove = Route{"TemplateRemove", http.MethodDelete, "/templates/{name}"} // -> {}

	RouteStacks      = Route{"Stacks", http.MethodGet, "/stacks"}                 // -> []StackSummary
	RouteStackCreate = Route{"StackCreate", http.MethodPost, "/stacks"}           // StackCreateRequest -> core.Stack
	RouteStack       = Route{"Stack", http.MethodGet, "/stacks/{stack}"}          // -> StackView (secrets redacted)
	RouteStackSet    = Route{"StackSet", http.MethodPatch, "/stacks/{stack}"}     // StackSetRequest -> core.Stack
	RouteStackRemove = Route{"StackRemove", http.MethodDelete, "/stacks/{stack}"} // -> {}

	RouteInstances         = Route{"Instances", http.MethodGet, "/stacks/{stack}/instances"}                           // -> []InstanceSummary
	RouteInstanceAdd       = Route{"InstanceAdd", http.MethodPost, "/stacks/{stack}/instances"}                        // InstanceAddRequest -> core.Instance
	RouteInstance          = Route{"Instance", http.MethodGet, "/stacks/{stack}/instances/{name}"}                     // ?effective=1 -> InstanceView
	RouteInstanceSet       = Route{"InstanceSet", http.MethodPatch, "/stacks/{stack}/instances/{name}"}                // core.InstanceUpdate (the fields its mask names) -> InstanceView
	RouteInstanceReset     = Route{"InstanceReset", http.MethodPost, "/stacks/{stack}/instances/{name}/reset"}         // ResetRequest -> InstanceView
	RouteInstanceRename    = Route{"InstanceRename", http.MethodPost, "/stacks/{stack}/instances/{name}/rename"}       // NameRequest -> RenamedInstance
	RouteInstanceDuplicate = Route{"InstanceDuplicate", http.MethodPost, "/stacks/{stack}/instances/{name}/duplicate"} // NameRequest -> RenamedInstance
	RouteInstanceRemove    = Route{"InstanceRemove", http.MethodDelete, "/stacks/{stack}/instances/{name}"}            // -> InstanceRemoved
	RouteExecTarget        = Route{"ExecTarget", http.MethodPost, "/stacks/{stack}/instances/{name}/exec-target"}      // RuntimeSpec -> ExecTarget
	RouteRunTarget         = Route{"RunTarget", http.MethodPost, "/stacks/{stack}/instances/{name}/run-target"}        // RuntimeSpec -> RunTarget
	RoutePorts             = Route{"Ports", http.MethodGet, "/stacks/{stack}/instances/{name}/ports"}                  // runtime query -> []PortBinding

	RouteWires      = Route{"Wires", http.MethodGet, "/stacks/{stack}/wires"}         // -> WiresView
	RouteWireAdd    = Route{"WireAdd", http.MethodPost, "/stacks/{stack}/wires"}      // core.Wire -> WiresView
	RouteWireRemove = Route{"WireRemove", http.MethodDelete, "/stacks/{stack}/wires"} // ?consumer=C&import=I -> WiresView
	RouteConfig     = Route{"Config", http.MethodGet, "/stacks/{stack}/config"}       // ?show_secrets=1 -> ConfigView
	// The files the CLI reads and sends with a plan (PlanRequest.Sources).
	RouteFileSources = Route{"FileSources", http.MethodGet, "/stacks/{stack}/file-sources"} // -> []core.FileSource

	RoutePlan   = Route{"Plan", http.MethodPost, "/stacks/{stack}/plan"}     // PlanRequest -> plan.View
	RouteApply  = Route{"Apply", http.MethodPost, "/stacks/{stack}/apply"}   // ApplyRequest -> Job
	RouteBuild  = Route{"Build", http.MethodPost, "/stacks/{stack}/build"}   // ImagesRequest -> Job
	RoutePull   = Route{"Pull", http.MethodPost, "/stacks/{stack}/pull"}     // ImagesRequest -> Job
	RoutePs     = Route{"Ps", http.MethodGet, "/stacks/{stack}/ps"}          // ?kind=&binary=&env=K=V -> []Container
	RouteLogs   = Route{"Logs", http.MethodGet, "/stacks/{stack}/logs"}      // ?instance=I&follow=1&tail=N&since=S&timestamps=1 and runtime -> stream of LogLine
	RouteLock   = Route{"Lock", http.MethodGet, "/stacks/{stack}/lock"}      // -> LockView
	RouteUnlock = Route{"Unlock", http.MethodPost, "/stacks/{stack}/unlock"} // UnlockRequest -> UnlockResult

	RouteStop      = Route{"Stop", http.MethodPost, "/stacks/{stack}/stop"}       // ControlRequest -> ControlResult
	RouteStart     = Route{"Start", http.MethodPost, "/stacks/{stack}/start"}     // ControlRequest -> ControlResult
	RouteRestart   = Route{"Restart", http.MethodPost, "/stacks/{stack}/restart"} // ControlRequest -> ControlResult
	RouteStackCopy = Route{"StackCopy", http.MethodPost, "/stacks/{stack}/copy"}  // StackCopyRequest -> core.Stack (secrets redacted)

	RouteExport        = Route{"Export", http.MethodPost, "/stacks/{stack}/export"} // ExportRequest -> FileView
	RouteImport        = Route{"Import", http.MethodPost, "/import"}                // ImportRequest -> ImportResult
	RouteImportCompose = Route{"ImportCompose", http.MethodPost, "/import-compose"} // ImportComposeRequest -> ImportResult

	RouteJobs      = Route{"Jobs", http.MethodGet, "/jobs"}                   // -> []Job
	RouteJob       = Route{"Job", http.MethodGet, "/jobs/{id}"}               // -> Job
	RouteJobEvents = Route{"JobEvents", http.MethodGet, "/jobs/{id}/events"}  // ?follow=1 -> stream of Event
	RouteJobCancel = Route{"JobCancel", http.MethodPost, "/jobs/{id}/cancel"} // -> Job
	RouteKeyRotate = Route{"KeyRotate", http.MethodPost, "/key/rotate"}       // -> KeyRotateResult
)

// Routes is every route of the API.
var Routes = []Route{
	RouteStatus, RouteShutdown,
	RouteTemplates, RouteTemplateAdd, RouteTemplate, RouteTemplateRemove,
	RouteStacks, RouteStackCreate, RouteStack, RouteStackSet, RouteStackRemove,
	RouteInstances, RouteInstanceAdd, RouteInstance, RouteInstanceSet, RouteInstanceReset,
	RouteInstanceRename, RouteInstanceDuplicate, RouteInstanceRemove,
	RouteExecTarget, RouteRunTarget, RoutePorts,
	RouteStop, RouteStart, RouteRestart, RouteStackCopy,
	RouteWires, RouteWireAdd, RouteWireRemove, RouteConfig, RouteFileSources,
	RoutePlan, RouteApply, RouteBuild, RoutePull, RoutePs, RouteLogs, RouteLock, RouteUnlock,
	RouteExport, RouteImport, RouteImportCompose,
	RouteJobs, RouteJob, RouteJobEvents, RouteJobCancel, RouteKeyRotate,
}
