package client

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/daemon/api"
)

// TestClientUsesDeclaredRoutes calls every client method against a server
// that knows only api.Routes, and checks each call reaches the route it
// should, under its pattern, and that every route has a method calling it.
func TestClientUsesDeclaredRoutes(t *testing.T) {
	var hit []string
	mux := http.NewServeMux()
	for _, rt := range api.Routes {
		mux.HandleFunc(rt.Pattern(), func(w http.ResponseWriter, r *http.Request) {
			hit = append(hit, rt.Name)
			w.Write([]byte("null\n"))
		})
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		hit = append(hit, "undeclared "+r.Method+" "+r.URL.Path)
		http.NotFound(w, r)
	})
	c := serve(t, mux)
	ctx := context.Background()
	calls := []struct {
		route api.Route
		call  func() error
	}{
		{api.RouteStatus, func() error { _, err := c.Status(ctx); return err }},
		{api.RouteShutdown, func() error { return c.Shutdown(ctx) }},
		{api.RouteShutdown, func() error { return c.ShutdownIfIdle(ctx) }},
		{api.RouteTemplates, func() error { _, err := c.Templates(ctx); return err }},
		{api.RouteTemplate, func() error { _, err := c.Template(ctx, "redis"); return err }},
		{api.RouteTemplateAdd, func() error { _, err := c.AddTemplate(ctx, api.TemplateAddRequest{}); return err }},
		{api.RouteTemplateRemove, func() error { return c.RemoveTemplate(ctx, "redis") }},
		{api.RouteStacks, func() error { _, err := c.Stacks(ctx); return err }},
		{api.RouteStackCreate, func() error { _, err := c.CreateStack(ctx, api.StackCreateRequest{Name: "shop"}); return err }},
		{api.RouteStackSet, func() error { _, err := c.SetStack(ctx, "shop", api.StackSetRequest{}); return err }},
		{api.RouteStack, func() error { _, err := c.Stack(ctx, "shop"); return err }},
		{api.RouteStackRemove, func() error { return c.RemoveStack(ctx, "shop") }},
		{api.RouteInstances, func() error { _, err := c.Instances(ctx, "shop"); return err }},
		{api.RouteInstanceAdd, func() error { _, err := c.AddInstance(ctx, "shop", api.InstanceAddRequest{}); return err }},
		{api.RouteInstance, func() error { _, err := c.Instance(ctx, "shop", "db", true); return err }},
		{api.RouteInstanceSet, func() error { _, err := c.SetInstance(ctx, "shop", "db", core.InstanceUpdate{}); return err }},
		{api.RouteInstanceReset, func() error { _, err := c.ResetInstance(ctx, "shop", "db", api.ResetRequest{}); return err }},
		{api.RouteInstanceRename, func() error { _, err := c.RenameInstance(ctx, "shop", "db", "db2"); return err }},
		{api.RouteInstanceDuplicate, func() error {
			_, err := c.DuplicateInstance(ctx, "shop", "db", api.NameRequest{Name: "db2"})
			return err
		}},
		{api.RouteInstanceRemove, func() error { _, err := c.RemoveInstance(ctx, "shop", "db"); return err }},
		{api.RouteWires, func() error { _, err := c.Wires(ctx, "shop"); return err }},
		{api.RouteWireAdd, func() error { _, err := c.Wire(ctx, "shop", core.Wire{}); return err }},
		{api.RouteWireRemove, func() error { _, err := c.Unwire(ctx, "shop", "api", "db"); return err }},
		{api.RouteConfig, func() error { _, err := c.Config(ctx, "shop", false); return err }},
		{api.RouteFileSources, func() error { _, err := c.FileSources(ctx, "shop"); return err }},
		{api.RoutePlan, func() error { _, err := c.Plan(ctx, "shop", api.PlanRequest{}); return err }},
		{api.RouteApply, func() error { _, err := c.Apply(ctx, "shop", api.ApplyRequest{}); return err }},
		{api.RouteBuild, func() error { _, err := c.Build(ctx, "shop", api.ImagesRequest{}); return err }},
		{api.RoutePull, func() error { _, err := c.Pull(ctx, "shop", api.ImagesRequest{}); return err }},
		{api.RoutePs, func() error { _, err := c.PS(ctx, "shop", api.RuntimeSpec{}); return err }},
		{api.RouteLogs, func() error {
			return c.Logs(ctx, "shop", LogsOptions{Instance: "db"}, func(api.LogLine) error { return nil })
		}},
		{api.RouteLock, func() error { _, err := c.Lock(ctx, "shop"); return err }},
		{api.RouteUnlock, func() error { _, err := c.Unlock(ctx, "shop", api.UnlockRequest{}); return err }},
		{api.RouteExport, func() error { _, err := c.Export(ctx, "shop", api.ExportRequest{}); return err }},
		{api.RouteImport, func() error { _, err := c.Import(ctx, api.ImportRequest{}); return err }},
		{api.RouteImportCompose, func() error { _, err := c.ImportCompose(ctx, api.ImportComposeRequest{}); return err }},
		{api.RouteJobs, func() error { _, err := c.Jobs(ctx); return err }},
		{api.RouteJob, func() error { _, err := c.Job(ctx, "j1"); return err }},
		{api.RouteJobEvents, func() error {
			return c.JobEvents(ctx, "j1", true, func(api.Event) error { return nil })
		}},
		{api.RouteJobCancel, func() error { _, err := c.CancelJob(ctx, "j1"); return err }},
		{api.RouteKeyRotate, func() error { _, err := c.RotateKey(ctx); return err }},
		{api.RouteStop, func() error { _, err := c.Stop(ctx, "shop", api.ControlRequest{}); return err }},
		{api.RouteStart, func() error { _, err := c.Start(ctx, "shop", api.ControlRequest{}); return err }},
		{api.RouteRestart, func() error { _, err := c.Restart(ctx, "shop", api.ControlRequest{}); return err }},
		{api.RouteExecTarget, func() error { _, err := c.ExecTarget(ctx, "shop", "db", api.RuntimeSpec{}); return err }},
		{api.RouteRunTarget, func() error { _, err := c.RunTarget(ctx, "shop", "db", api.RuntimeSpec{}); return err }},
		{api.RoutePorts, func() error { _, err := c.Ports(ctx, "shop", "db", api.RuntimeSpec{}); return err }},
		{api.RouteStackCopy, func() error { _, err := c.CopyStack(ctx, "shop", api.StackCopyRequest{Name: "shop2"}); return err }},
	}
	covered := map[string]bool{}
	for _, tc := range calls {
		t.Run(tc.route.Name, func(t *testing.T) {
			hit = nil
			if err := tc.call(); err != nil {
				t.Fatal(err)
			}
			if len(hit) != 1 || hit[0] != tc.route.Name {
				t.Errorf("reached %q; want route %s (%s)", hit, tc.route.Name, tc.route.Pattern())
			}
			covered[tc.route.Name] = true
		})
	}
	// Every method that calls the daemon (its first parameter is a
	// context) is in the table above.
	ctxType := reflect.TypeFor[context.Context]()
	methods := 0
	for m := range reflect.TypeFor[*Client]().Methods() {
		if m.Type.NumIn() > 1 && m.Type.In(1) == ctxType {
			methods++
		}
	}
	if methods != len(calls) {
		t.Errorf("the client has %d methods calling the daemon; the table tests %d", methods, len(calls))
	}
	for _, rt := range api.Routes {
		if !covered[rt.Name] {
			t.Errorf("route %s (%s) has no client method in this test", rt.Name, rt.Pattern())
		}
	}
}
