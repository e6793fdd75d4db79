package runtime

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseTasks(t *testing.T) {
	out := `{"CurrentState":"Running 5 seconds ago","DesiredState":"Running","Error":"","ID":"t2","Image":"img","Name":"devarch-s_api.1","Node":"vm","Ports":""}
{"CurrentState":"Failed 9 seconds ago","DesiredState":"Shutdown","Error":"task: non-zero exit (1)","ID":"t1","Image":"img","Name":" \\_ devarch-s_api.1","Node":"vm","Ports":""}
`
	tasks, err := parseTasks(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) != 2 || tasks[1].Name != "devarch-s_api.1" || tasks[1].Service() != "devarch-s_api" || tasks[1].State() != "failed" || tasks[0].State() != "running" {
		t.Fatalf("tasks = %+v", tasks)
	}
	if _, err := parseTasks("{not json\n"); err == nil {
		t.Error("a broken line parses")
	}
}

func service(t *testing.T, js string) swarmService {
	t.Helper()
	var v swarmService
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestConverge(t *testing.T) {
	const name = `"Spec":{"Name":"devarch-s_api","Labels":{"devarch.instance":"api"},"Mode":{"Replicated":{"Replicas":2}}}`
	running := func(id string) swarmTask {
		return swarmTask{ID: id, Name: "devarch-s_api.1", DesiredState: "Running", CurrentState: "Running 1 second ago"}
	}
	failedTask := func(id string) swarmTask {
		return swarmTask{ID: id, Name: "devarch-s_api.2", DesiredState: "Shutdown", CurrentState: "Failed 1 second ago", Error: "task: non-zero exit (1)"}
	}
	starting := swarmTask{ID: "s", Name: "devarch-s_api.2", DesiredState: "Running", CurrentState: "Starting 1 second ago"}
	other := swarmTask{ID: "o", Name: "devarch-s_db.1", DesiredState: "Running", CurrentState: "Running 1 second ago"}
	none := snapshot{tasks: map[string]bool{}, updates: map[string]string{}}
	tests := []struct {
		name    string
		svc     string
		tasks   []swarmTask
		before  snapshot
		ready   bool
		failed  string
		summary string
	}{
		{"all running", `{` + name + `}`, []swarmTask{running("a"), running("b"), other}, none, true, "", "2/2 running"},
		{"one starting", `{` + name + `}`, []swarmTask{running("a"), starting}, none, false, "", "1/2 running"},
		{"update under way", `{` + name + `,"UpdateStatus":{"State":"updating","StartedAt":"t9"}}`,
			[]swarmTask{running("a"), running("b")}, none, false, "", "updating: 2/2 running"},
		{"rolled back", `{` + name + `,"UpdateStatus":{"State":"rollback_completed","StartedAt":"t9","Message":"rollback completed"}}`,
			[]swarmTask{running("a"), running("b"), failedTask("f")}, none, false, "swarm rolled it back: devarch-s_api.2: task: non-zero exit (1)", ""},
		{"old rollback is not this deploy's", `{` + name + `,"UpdateStatus":{"State":"rollback_completed","StartedAt":"t1"}}`,
			[]swarmTask{running("a"), running("b"), failedTask("f")},
			snapshot{tasks: map[string]bool{"f": true}, updates: map[string]string{"devarch-s_api": "t1"}}, true, "", "2/2 running"},
		{"new tasks keep failing", `{` + name + `}`,
			[]swarmTask{running("a"), failedTask("f1"), failedTask("f2"), failedTask("f3")}, none, false, "3 new tasks failed", ""},
		{"old failures do not count", `{` + name + `}`,
			[]swarmTask{running("a"), starting, failedTask("f1"), failedTask("f2"), failedTask("f3")},
			snapshot{tasks: map[string]bool{"f1": true, "f2": true, "f3": true}}, false, "", "1/2 running"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := converge(service(t, tc.svc), tc.tasks, tc.before)
			if c.ready != tc.ready {
				t.Errorf("ready = %v, want %v (%+v)", c.ready, tc.ready, c)
			}
			if tc.failed == "" && c.failed != "" || !strings.Contains(c.failed, tc.failed) {
				t.Errorf("failed = %q, want %q", c.failed, tc.failed)
			}
			if tc.summary != "" && c.summary != tc.summary {
				t.Errorf("summary = %q, want %q", c.summary, tc.summary)
			}
		})
	}
}

func TestNewSwarm(t *testing.T) {
	rt, err := New(Spec{Kind: KindSwarm})
	if err != nil {
		t.Fatal(err)
	}
	if rt.Kind() != KindSwarm {
		t.Errorf("kind %q", rt.Kind())
	}
	if _, err := NewSwarm(Spec{Kind: KindDocker}); err == nil {
		t.Error("NewSwarm accepts kind docker")
	}
	if _, err := New(Spec{Kind: "nomad"}); err == nil || !strings.Contains(err.Error(), `"swarm"`) {
		t.Errorf("unknown kind error = %v, want it to list swarm", err)
	}
}
