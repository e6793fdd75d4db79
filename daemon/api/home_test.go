package api

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDefaultHome(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	userHome, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no user home directory:", err)
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"DEVARCH_HOME", map[string]string{"DEVARCH_HOME": "/tmp/dh"}, "/tmp/dh"},
		{"relative DEVARCH_HOME is made absolute", map[string]string{"DEVARCH_HOME": "rel/h"}, filepath.Join(wd, "rel/h")},
		{"without DEVARCH_HOME", nil, filepath.Join(userHome, ".devarch")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DefaultHome(func(k string) string { return tc.env[k] })
			if err != nil || got != tc.want {
				t.Errorf("DefaultHome = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
