package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/devarch-dev/devarch/daemon/api"
)

func TestJobRoutes(t *testing.T) {
	e := newTestEnv(t)
	_, job := e.apply("shop", api.ApplyRequest{})
	tests := []struct {
		path   string
		status int
	}{
		{"/v1/jobs", http.StatusOK},
		{"/v1/jobs/" + job.ID, http.StatusOK},
		{"/v1/jobs/" + job.ID + "/events?follow=1", http.StatusOK},
		{"/v1/jobs/unknown", http.StatusNotFound},
		{"/v1/jobs/unknown/events", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := e.do("GET", tt.path, nil)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
		})
	}
	rec := e.do("GET", "/v1/jobs/"+job.ID+"/events?follow=1", nil)
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("content type = %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(rec.Body.String()), "\n")
	if len(lines) < 2 || !strings.Contains(lines[len(lines)-1], `"state":"succeeded"`) {
		t.Errorf("stream = %s", rec.Body.String())
	}
}
