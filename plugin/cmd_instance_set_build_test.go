package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInstanceSetBuildFlags: the --build-* flags make one build override
// with an absolute context; --no-build clears the template's build; a
// build without its context, or both forms at once, are refused by name.
func TestInstanceSetBuildFlags(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(wd, "api")
	cases := []struct {
		name    string
		args    []string
		want    string // JSON of the request
		wantErr string
	}{
		{"relative context made absolute", []string{"--build-context", "./api", "--build-file", "Dockerfile.dev", "--build-target", "dev", "--build-arg", "A=1", "--build-arg", "B=x=y"},
			`{"build":{"context":"` + abs + `","dockerfile":"Dockerfile.dev","target":"dev","args":{"A":"1","B":"x=y"}},"mask":["build"]}`, ""},
		{"no build", []string{"--no-build"}, `{"no_build":true,"mask":["no_build"]}`, ""},
		{"arg without context", []string{"--build-arg", "A=1"}, "", "--build-context"},
		{"no-build with a build flag", []string{"--no-build", "--build-context", "."}, "", "--no-build"},
		{"arg not KEY=VALUE", []string{"--build-context", ".", "--build-arg", "A"}, "", `"A" is not KEY=VALUE`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := setRequest(t, "", tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v; want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := asJSON(t, req); got != tc.want {
				t.Errorf("request = %s\nwant      %s", got, tc.want)
			}
		})
	}
}
