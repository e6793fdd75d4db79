// Package devfile reads and writes devarch.yml, the portable, versioned form of a stack and the templates it uses.
//
// A version 1 file looks like this (every key but version and stack is optional):
//
//	version: 1
//	stack:
//	  name: shop
//	  description: the shop
//	  environment: dev
//	  compose_mode: per-service  # default stack
//	  endpoint_mode: vip         # on a swarm; default dnsrr
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
	// ComposeMode and EndpointMode are written only when they are not
	// the default (stack, dnsrr).
	ComposeMode  string `yaml:"compose_mode,omitempty"`
	EndpointMode string `yaml:"endpoint_mode,omitempty"`
}

// Value is an env value: a core.EnvVar (a plain string, or for secrets the
// mapping {secret: true, value: ...}), or a secret sealed with the file's
// passphrase, {secret: true, sealed: ...}.
type Value struct {
	core.EnvVar `yaml:",inline"`
	Sealed      string `yaml:"sealed,omitempty"`
}

// FileSpec is a config file, keyed by its target: its content may be sealed
// or redacted when it is sensitive, so it wraps core.ConfigFile's fields.
type FileSpec struct {
	Mode      string `yaml:"mode,omitempty"` // octal, e.g. "0640"
	Sensitive bool   `yaml:"sensitive,omitempty"`
	Content   string `yaml:"content,omitempty"`
	Sealed    string `yaml:"sealed,omitempty"`
	Redacted  bool   `yaml:"redacted,omitempty"`
}

// TemplateSpec is a template in devarch.yml: a core.Template named by its
// key, whose env values and files (by target) may be sealed or redacted.
// Env and Files take the place of the Template's own (see spec_codec.go).
type TemplateSpec struct {
	core.Template `yaml:",inline"`
	Env           map[string]Value     `yaml:"env,omitempty"`
	Files         map[string]*FileSpec `yaml:"files,omitempty"`
}

// InstanceSpec is an instance: its template, whether it runs, and only the
// fields it overrides (core.Overrides: a pointer-to-slice tells "not
// overridden", absent, from "overridden with an empty list", `ports: []`).
// Env and Files take the place of the Overrides' own, as in TemplateSpec.
type InstanceSpec struct {
	Template       string `yaml:"template"`
	Enabled        *bool  `yaml:"enabled,omitempty"`
	core.Overrides `yaml:",inline"`
	Env            map[string]Value     `yaml:"env,omitempty"`
	Files          map[string]*FileSpec `yaml:"files,omitempty"`
}
