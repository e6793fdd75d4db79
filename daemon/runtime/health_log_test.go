package runtime

import (
	"os"
	"reflect"
	"testing"
	"time"
)

func TestParseHealthLog(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want []HealthResult
	}{
		{name: "docker", file: "health-docker.json", want: []HealthResult{
			{Start: time.Date(2025, 3, 1, 10, 0, 1, 5e8, time.UTC), ExitCode: 0, Output: "ok"},
			{Start: time.Date(2025, 3, 1, 10, 0, 2, 5e8, time.UTC), ExitCode: 1, Output: "db not ready\nretrying"},
		}},
		{name: "older podman", file: "health-podman.json", want: []HealthResult{
			{Start: time.Date(2025, 3, 1, 9, 0, 2, 5e8, time.UTC), ExitCode: 7, Output: "connection refused"},
		}},
		{name: "no healthcheck", data: `[{"State":{"Status":"running"}}]`, want: []HealthResult(nil)},
		{name: "no container", data: `[]`, want: []HealthResult(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.file != "" {
				var err error
				if data, err = os.ReadFile("testdata/inspect/" + tt.file); err != nil {
					t.Fatal(err)
				}
			}
			got, err := parseHealthLog(data)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].Start = got[i].Start.UTC()
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if _, err := parseHealthLog([]byte("not json")); err == nil {
		t.Error("bad inspect output parsed without error")
	}
}
