// Package core is devarch's pure domain: templates, stacks, instances, merge, wiring and validation; it does no I/O.
package core

import (
	"time"
)

// Redacted is what every secret value prints as.
const Redacted = "[REDACTED]"

// ContractType names a kind of connection a provider exports and a consumer imports.
// The set is closed (see ContractTypes) except for user-declared types, which start with "x-".
type ContractType string

// Contract types known to devarch.
const (
	ContractPostgres ContractType = "postgres"
	ContractMySQL    ContractType = "mysql"
	ContractRedis    ContractType = "redis"
	ContractMongoDB  ContractType = "mongodb"
	ContractAMQP     ContractType = "amqp"
	ContractHTTP     ContractType = "http"
	ContractGRPC     ContractType = "grpc"
	ContractSMTP     ContractType = "smtp"
)

// ContractTypes lists the built-in contract types, sorted.
var ContractTypes = []ContractType{
	ContractAMQP, ContractGRPC, ContractHTTP, ContractMongoDB,
	ContractMySQL, ContractPostgres, ContractRedis, ContractSMTP,
}

// EnvVar is one environment value; Secret values never leave the daemon in
// plaintext unless a command asks for them explicitly.
type EnvVar struct {
	Value  string `json:"value" yaml:"value"`
	Secret bool   `json:"secret,omitempty" yaml:"secret,omitempty"`
}

// Port is one published port: [HostIP:]Host:Container[/Protocol].
// Host 0 means the container port is exposed on a random host port.
type Port struct {
	HostIP    string `json:"host_ip,omitempty" yaml:"host_ip,omitempty"`
	Host      int    `json:"host,omitempty" yaml:"host,omitempty"`
	Container int    `json:"container" yaml:"container"`
	Protocol  string `json:"protocol,omitempty" yaml:"protocol,omitempty"` // "tcp" (default) or "udp"
}

// Volume mounts a named volume or an absolute host path at Target.
type Volume struct {
	Source   string `json:"source" yaml:"source"`
	Target   string `json:"target" yaml:"target"`
	ReadOnly bool   `json:"read_only,omitempty" yaml:"read_only,omitempty"`
}

// Healthcheck is replaced as a whole by an override; it is never half-merged.
// Test is in compose form: ["CMD", "pg_isready"] or ["CMD-SHELL", "pg_isready -U x"].
type Healthcheck struct {
	Test        []string `json:"test" yaml:"test"`
	Interval    Duration `json:"interval,omitempty" yaml:"interval,omitempty"`
	Timeout     Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	StartPeriod Duration `json:"start_period,omitempty" yaml:"start_period,omitempty"`
	Retries     int      `json:"retries,omitempty" yaml:"retries,omitempty"`
}

// ConfigFile is a file materialized under the stack's directory and mounted
// read-only at Target. Sensitive files are written 0600 and never printed.
type ConfigFile struct {
	Target    string `json:"target" yaml:"target"`
	Content   string `json:"content" yaml:"content"`
	Mode      uint32 `json:"mode,omitempty" yaml:"mode,omitempty"` // default 0644 (0600 when sensitive)
	Sensitive bool   `json:"sensitive,omitempty" yaml:"sensitive,omitempty"`
	// Source is the absolute path on the CLI's host the file follows
	// (`instance set --file TARGET=@PATH`): the CLI reads it at every plan
	// and sends its content (see ApplySources). Content is the content the
	// last `instance set` read, used when a plan is sent none. Empty for a
	// file copied once (--copy) or from a template; the desired state
	// never carries it.
	Source string `json:"source,omitempty" yaml:"-"`
}

// Export is a contract a template provides. Env values are Go text/template
// strings over ExportData: {{.Host}}, {{.Port}}, {{.Env.POSTGRES_PASSWORD}}.
type Export struct {
	Name string            `json:"name" yaml:"name"`
	Type ContractType      `json:"type" yaml:"type"`
	Port int               `json:"port" yaml:"port"`
	Env  map[string]string `json:"env,omitempty" yaml:"env,omitempty"`
}

// ExportData is what export env templates are rendered with.
type ExportData struct {
	Host     string            // provider container name: devarch-{stack}-{instance}
	Port     int               // provider container port of the export
	Instance string            // provider instance name
	Stack    string            // stack name
	Env      map[string]string // provider effective env (values)
}

// Import is a contract a template needs. Prefix, when set, is prepended to
// every env key injected for this import (so two imports of one type coexist).
type Import struct {
	Name     string       `json:"name" yaml:"name"`
	Type     ContractType `json:"type" yaml:"type"`
	Optional bool         `json:"optional,omitempty" yaml:"optional,omitempty"`
	Prefix   string       `json:"prefix,omitempty" yaml:"prefix,omitempty"`
}

// Template is a reusable service definition.
type Template struct {
	Name        string            `json:"name" yaml:"name"`
	Description string            `json:"description,omitempty" yaml:"description,omitempty"`
	Image       string            `json:"image" yaml:"image,omitempty"` // fully qualified: docker.io/library/postgres:16; empty when Build is set
	Build       *ImageBuild       `json:"build,omitempty" yaml:"build,omitempty"`
	Command     []string          `json:"command,omitempty" yaml:"command,omitempty"`
	Entrypoint  []string          `json:"entrypoint,omitempty" yaml:"entrypoint,omitempty"`
	User        string            `json:"user,omitempty" yaml:"user,omitempty"`
	Restart     string            `json:"restart,omitempty" yaml:"restart,omitempty"`
	Env         map[string]EnvVar `json:"env,omitempty" yaml:"env,omitempty"`
	Ports       []Port            `json:"ports,omitempty" yaml:"ports,omitempty"`
	Volumes     []Volume          `json:"volumes,omitempty" yaml:"volumes,omitempty"`
	Labels      map[string]string `json:"labels,omitempty" yaml:"labels,omitempty"`
	Healthcheck *Healthcheck      `json:"healthcheck,omitempty" yaml:"healthcheck,omitempty"`
	Files       []ConfigFile      `json:"files,omitempty" yaml:"files,omitempty"`
	Domains     []string          `json:"domains,omitempty" yaml:"domains,omitempty"`
	Exports     []Export          `json:"exports,omitempty" yaml:"exports,omitempty"`
	Imports     []Import          `json:"imports,omitempty" yaml:"imports,omitempty"`
	// Replicas is how many containers the instance runs (compose
	// deploy.replicas); nil means one. See ValidateReplicas.
	Replicas *int `json:"replicas,omitempty" yaml:"replicas,omitempty"`
	Builtin  bool `json:"builtin,omitempty" yaml:"-"`
	// OwnerStack is the stack whose import-compose created the template
	// ("{stack}-{service}"): a re-import of that stack's compose file may
	// replace it, and it is removed with the stack when no other stack
	// uses it. Empty for every other template; never part of a file.
	OwnerStack string `json:"owner_stack,omitempty" yaml:"-"`
}

// Overrides holds only what an instance changes (copy-on-write). A nil field
// is inherited from the template; see Merge for the rule of each field.
type Overrides struct {
	Image       *string               `json:"image,omitempty" yaml:"image,omitempty"`
	Tag         *string               `json:"tag,omitempty" yaml:"tag,omitempty"`           // replaces the tag of the (template or overridden) image
	Build       *ImageBuild           `json:"build,omitempty" yaml:"build,omitempty"`       // replaces the template's build as a whole
	NoBuild     bool                  `json:"no_build,omitempty" yaml:"no_build,omitempty"` // run the image instead of the template's build
	Command     *[]string             `json:"command,omitempty" yaml:"command,omitempty"`
	Entrypoint  *[]string             `json:"entrypoint,omitempty" yaml:"entrypoint,omitempty"`
	User        *string               `json:"user,omitempty" yaml:"user,omitempty"`
	Restart     *string               `json:"restart,omitempty" yaml:"restart,omitempty"`
	Env         map[string]EnvVar     `json:"env,omitempty" yaml:"env,omitempty"`
	UnsetEnv    []string              `json:"unset_env,omitempty" yaml:"unset_env,omitempty"` // template keys removed, sorted
	Labels      map[string]string     `json:"labels,omitempty" yaml:"labels,omitempty"`
	Ports       *[]Port               `json:"ports,omitempty" yaml:"ports,omitempty"`
	Volumes     *[]Volume             `json:"volumes,omitempty" yaml:"volumes,omitempty"`
	Healthcheck *Healthcheck          `json:"healthcheck,omitempty" yaml:"healthcheck,omitempty"`
	Files       map[string]ConfigFile `json:"files,omitempty" yaml:"files,omitempty"` // by target path
	Domains     *[]string             `json:"domains,omitempty" yaml:"domains,omitempty"`
	Exports     *[]Export             `json:"exports,omitempty" yaml:"exports,omitempty"`
	Imports     *[]Import             `json:"imports,omitempty" yaml:"imports,omitempty"`
	Compose     string                `json:"compose,omitempty" yaml:"compose,omitempty"` // raw compose service fragment (YAML), applied last
	Replicas    *int                  `json:"replicas,omitempty" yaml:"replicas,omitempty"`
	// DependsOn are startup dependencies the instance declares itself, by
	// instance name, as compose's depends_on; wiring adds its own to them.
	DependsOn map[string]DependsOn `json:"depends_on,omitempty" yaml:"depends_on,omitempty"`
	// Aliases are more names the instance answers to on the stack network
	// (an imported compose service's container_name).
	Aliases []string `json:"aliases,omitempty" yaml:"aliases,omitempty"`
	// KeepExports declares that an overriding image still speaks the
	// template's contracts: the template's exports stay inherited (read
	// from the template on every merge, never copied).
	KeepExports bool `json:"keep_exports,omitempty" yaml:"keep_exports,omitempty"`
}

// OverrideFields lists the names `instance reset` accepts, sorted.
// "env.KEY" and "labels.KEY" and "files./path" reset a single entry.
// MaskPaths (instance_update.go) lists what an update's mask names.
var OverrideFields = []string{
	"aliases", "build", "command", "compose", "depends_on", "domains", "entrypoint", "env", "exports", "files", "healthcheck",
	"image", "imports", "labels", "ports", "replicas", "restart", "tag", "user", "volumes",
}

// Set names the fields o overrides, in OverrideFields order.
func (o Overrides) Set() []string {
	set := map[string]bool{
		"image": o.Image != nil, "tag": o.Tag != nil, "build": o.Build != nil || o.NoBuild,
		"depends_on": len(o.DependsOn) > 0, "aliases": len(o.Aliases) > 0, "command": o.Command != nil,
		"entrypoint": o.Entrypoint != nil, "user": o.User != nil, "restart": o.Restart != nil,
		"env": len(o.Env) > 0 || len(o.UnsetEnv) > 0, "labels": len(o.Labels) > 0,
		"ports": o.Ports != nil, "volumes": o.Volumes != nil, "healthcheck": o.Healthcheck != nil,
		"files": len(o.Files) > 0, "domains": o.Domains != nil, "exports": o.Exports != nil || o.KeepExports,
		"imports": o.Imports != nil, "compose": o.Compose != "",
		"replicas": o.Replicas != nil,
	}
	var out []string
	for _, f := range OverrideFields {
		if set[f] {
			out = append(out, f)
		}
	}
	return out
}

// Instance is one use of a template inside a stack.
type Instance struct {
	Name      string    `json:"name" yaml:"name"`
	Template  string    `json:"template" yaml:"template"`
	Enabled   bool      `json:"enabled" yaml:"enabled"`
	Overrides Overrides `json:"overrides,omitempty" yaml:"overrides,omitempty"`
	// Stopped records that the user stopped the instance (`devarch stop`):
	// plan does not call its stopped container drift and apply leaves it
	// stopped until `start` or `apply --start` clears it. It is runtime
	// intent, not definition: devarch.yml neither exports nor imports it,
	// and copies of the instance or the stack do not carry it.
	Stopped bool `json:"stopped,omitempty" yaml:"-"`
}

// Wire binds a consumer's import to a provider instance explicitly. Export
// names one of the provider's exports; empty (and in wires stored before it
// existed) means the provider's only export of the import's type.
type Wire struct {
	Consumer string `json:"consumer" yaml:"consumer"`
	Import   string `json:"import" yaml:"import"`
	Provider string `json:"provider" yaml:"provider"`
	Export   string `json:"export,omitempty" yaml:"export,omitempty"`
}

// Stack is a named environment made of instances.
type Stack struct {
	Name         string   `json:"name" yaml:"name"`
	Description  string   `json:"description,omitempty" yaml:"description,omitempty"`
	Environment  string   `json:"environment,omitempty" yaml:"environment,omitempty"`
	JoinNetworks []string `json:"join_networks,omitempty" yaml:"join_networks,omitempty"` // other stacks whose network this stack joins (opt-in)
	// ComposeMode is how the stack maps to compose projects: "" or
	// ComposeModeStack (one project), or ComposeModePerService.
	ComposeMode string `json:"compose_mode,omitempty" yaml:"compose_mode,omitempty"`
	// EndpointMode is how a swarm resolves the stack's services: "" or
	// EndpointDNSRR, or EndpointVIP. Other runtimes ignore it.
	EndpointMode string     `json:"endpoint_mode,omitempty" yaml:"endpoint_mode,omitempty"`
	Instances    []Instance `json:"instances,omitempty" yaml:"instances,omitempty"` // sorted by name
	Wires        []Wire     `json:"wires,omitempty" yaml:"wires,omitempty"`         // sorted by consumer, import
	Lineage      string     `json:"lineage" yaml:"-"`
	Serial       uint64     `json:"serial" yaml:"-"`
	CreatedAt    time.Time  `json:"created_at" yaml:"-"`
	UpdatedAt    time.Time  `json:"updated_at" yaml:"-"`
}

// Instance returns the named instance and whether it exists.
func (s *Stack) Instance(name string) (*Instance, bool) {
	for i := range s.Instances {
		if s.Instances[i].Name == name {
			return &s.Instances[i], true
		}
	}
	return nil, false
}

// Service is the effective configuration of one instance: its template with
// the instance's overrides applied by the merge rules. It is computed on read.
// Command and Entrypoint are nil when the image's own ones apply; an empty list
// (an instance's --command "") clears the image's, as compose's command: []
// does, and is shown as [].
type Service struct {
	Instance    string            `json:"instance"`
	Template    string            `json:"template"`
	Enabled     bool              `json:"enabled"`
	Image       string            `json:"image"`
	Build       *ImageBuild       `json:"build,omitempty"` // Image is the name it tags
	Command     []string          `json:"command,omitzero"`
	Entrypoint  []string          `json:"entrypoint,omitzero"`
	User        string            `json:"user,omitempty"`
	Restart     string            `json:"restart,omitempty"`
	Env         map[string]EnvVar `json:"env,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Ports       []Port            `json:"ports,omitempty"`
	Volumes     []Volume          `json:"volumes,omitempty"`
	Healthcheck *Healthcheck      `json:"healthcheck,omitempty"`
	Files       []ConfigFile      `json:"files,omitempty"` // sorted by target
	Domains     []string          `json:"domains,omitempty"`
	Exports     []Export          `json:"exports,omitempty"`
	Imports     []Import          `json:"imports,omitempty"`
	Compose     string            `json:"compose,omitempty"`
	// Replicas is how many containers run; nil means one.
	Replicas *int `json:"replicas,omitempty"`
	// Needs are the dependencies the instance declares (Overrides.DependsOn).
	Needs map[string]DependsOn `json:"needs,omitempty"`
	// Aliases are the instance's extra network aliases (Overrides.Aliases).
	Aliases []string `json:"aliases,omitempty"`
	// Stopped is Instance.Stopped: apply creates or updates the container
	// without starting it, and a stopped container is not drift.
	Stopped bool `json:"stopped,omitempty"`
	// ExportsStale is set when the instance overrides the template's image
	// without redeclaring exports the template has: wiring to it must fail.
	ExportsStale bool `json:"exports_stale,omitempty"`
}

// ContainerName is the runtime name of an instance: devarch-{stack}-{instance}.
func ContainerName(stack, instance string) string { return "devarch-" + stack + "-" + instance }

// ProjectName is the compose project of a stack: devarch-{stack}.
func ProjectName(stack string) string { return "devarch-" + stack }

// NetworkName is the network owned by a stack's project: devarch-{stack}-net.
func NetworkName(stack string) string { return "devarch-" + stack + "-net" }

// Labels set on every container and network devarch creates.
const (
	LabelManaged  = "devarch.managed"
	LabelStack    = "devarch.stack"
	LabelInstance = "devarch.instance"
	LabelTemplate = "devarch.template"
	LabelLineage  = "devarch.lineage"
	// LabelDomains lists an instance's domains, comma-separated; each is
	// a network alias of its container on the stack's network.
	LabelDomains = "devarch.domains"
)
