// Package devfile reads and writes devarch.yml, the portable, versioned form of a stack and the templates it uses.
//
// A version 1 file looks like this (every key but version and stack is optional):
//
//	version: 1
//	stack:
//	  name: shop
//	  description: the shop
//	  environment: dev
//	sealing: {kdf: argon2id, salt: ..., time: 3, memory: 65536, threads: 4}  # only when secrets are sealed
//	templates:                # user templates the stack uses; built-ins are referenced by name
//	  shop-api:
//	    image: registry.example.com/shop/api:1.4
//	    ...
//	instances:
//	  api:
//	    template: shop-api
//	    env:
//	      LOG_LEVEL: debug
//	      API_TOKEN: {secret: true, value: "[REDACTED]"}   # or {secret: true, sealed: <base64>}
//	    ports: ["127.0.0.1:8080:8080/tcp"]
//	  db:
//	    template: postgres
//	    enabled: false
//	wires:
//	  - {consumer: api, import: db, provider: db}
//
// Instances carry their overrides only, never effective values, so a file
// keeps following its templates just as the stack does.
package devfile

import (
	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
)

// Version is the devarch.yml version this package writes.
const Version = 1

// SupportedVersions lists what Parse reads; older ones are migrated.
var SupportedVersions = []int{0, 1}

// MaxSize is the largest file Parse accepts.
const MaxSize = 1 << 20

// File is the version 1 document.
type File struct {
	Version   int                      `yaml:"version"`
	Stack     StackSpec                `yaml:"stack"`
	Sealing   *secrets.KDFParams       `yaml:"sealing,omitempty"`
	Templates map[string]*TemplateSpec `yaml:"templates,omitempty"`
	Instances map[string]*InstanceSpec `yaml:"instances,omitempty"`
	Wires     []core.Wire              `yaml:"wires,omitempty"`
}

// StackSpec is the stack's own metadata.
type StackSpec struct {
	Name         string   `yaml:"name"`
	Description  string   `yaml:"description,omitempty"`
	Environment  string   `yaml:"environment,omitempty"`
	JoinNetworks []string `yaml:"join_networks,omitempty"`
}

// Value is an env value or file content: a plain string, or for secrets a
// mapping {secret: true, value: ...} or {secret: true, sealed: ...}.
type Value struct {
	Text   string
	Secret bool
	Sealed string
}

// FileSpec is a config file.
type FileSpec struct {
	Mode      string `yaml:"mode,omitempty"` // octal, e.g. "0640"
	Sensitive bool   `yaml:"sensitive,omitempty"`
	Content   string `yaml:"content,omitempty"`
	Sealed    string `yaml:"sealed,omitempty"`
	Redacted  bool   `yaml:"redacted,omitempty"`
}

// TemplateSpec is a template in devarch.yml.
type TemplateSpec struct {
	Description string               `yaml:"description,omitempty"`
	Image       string               `yaml:"image"`
	Command     []string             `yaml:"command,omitempty"`
	Entrypoint  []string             `yaml:"entrypoint,omitempty"`
	User        string               `yaml:"user,omitempty"`
	Restart     string               `yaml:"restart,omitempty"`
	Env         map[string]Value     `yaml:"env,omitempty"`
	Ports       []string             `yaml:"ports,omitempty"`
	Volumes     []string             `yaml:"volumes,omitempty"`
	Labels      map[string]string    `yaml:"labels,omitempty"`
	Healthcheck *core.Healthcheck    `yaml:"healthcheck,omitempty"`
	Files       map[string]*FileSpec `yaml:"files,omitempty"`
	Domains     []string             `yaml:"domains,omitempty"`
	Exports     []core.Export        `yaml:"exports,omitempty"`
	Imports     []core.Import        `yaml:"imports,omitempty"`
}

// InstanceSpec is an instance: its template, whether it runs, and only the
// fields it overrides. A pointer-to-slice distinguishes "not overridden"
// (absent) from "overridden with an empty list" (`ports: []`).
type InstanceSpec struct {
	Template    string               `yaml:"template"`
	Enabled     *bool                `yaml:"enabled,omitempty"`
	Image       *string              `yaml:"image,omitempty"`
	Tag         *string              `yaml:"tag,omitempty"`
	Command     *[]string            `yaml:"command,omitempty"`
	Entrypoint  *[]string            `yaml:"entrypoint,omitempty"`
	User        *string              `yaml:"user,omitempty"`
	Restart     *string              `yaml:"restart,omitempty"`
	Env         map[string]Value     `yaml:"env,omitempty"`
	UnsetEnv    []string             `yaml:"unset_env,omitempty"`
	Ports       *[]string            `yaml:"ports,omitempty"`
	Volumes     *[]string            `yaml:"volumes,omitempty"`
	Labels      map[string]string    `yaml:"labels,omitempty"`
	Healthcheck *core.Healthcheck    `yaml:"healthcheck,omitempty"`
	Files       map[string]*FileSpec `yaml:"files,omitempty"`
	Domains     *[]string            `yaml:"domains,omitempty"`
	Exports     *[]core.Export       `yaml:"exports,omitempty"`
	KeepExports bool                 `yaml:"keep_exports,omitempty"`
	Imports     *[]core.Import       `yaml:"imports,omitempty"`
	Compose     string               `yaml:"compose,omitempty"`
}
