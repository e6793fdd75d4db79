package core

// Dependency is a startup dependency: declared by the instance
// (Overrides.DependsOn, Condition set) or added by wiring.
type Dependency struct {
	Instance  string `json:"instance"`
	Healthy   bool   `json:"healthy,omitempty"`   // wait for service_healthy
	Condition string `json:"condition,omitempty"` // the declared condition; empty for a wired dependency
	Restart   bool   `json:"restart,omitempty"`
	Optional  bool   `json:"optional,omitempty"`
}

// ResolvedWire is one import of one consumer bound to its provider.
type ResolvedWire struct {
	Consumer string       `json:"consumer"`
	Import   string       `json:"import"`
	Type     ContractType `json:"type"`
	Provider string       `json:"provider"`
	Export   string       `json:"export"`
	Auto     bool         `json:"auto"` // true when auto-wired (one provider), false when explicit
}

// UnresolvedImport is an import with no provider (an optional one, as a warning).
type UnresolvedImport struct {
	Consumer string       `json:"consumer"`
	Import   string       `json:"import"`
	Type     ContractType `json:"type"`
	Optional bool         `json:"optional"`
}

// Desired is a stack's whole desired state: every instance's effective
// config with wiring injected (env and DependsOn), in startup order. It is
// what compose generation renders, what plan diffs and what apply records as
// the applied snapshot.
type Desired struct {
	Stack        string             `json:"stack"`
	Lineage      string             `json:"lineage"`
	Serial       uint64             `json:"serial"`
	JoinNetworks []string           `json:"join_networks,omitempty"`
	ComposeMode  string             `json:"compose_mode,omitempty"`  // as Stack.ComposeMode
	EndpointMode string             `json:"endpoint_mode,omitempty"` // as Stack.EndpointMode
	Services     []WiredService     `json:"services"`                // sorted by instance name; disabled ones included with Enabled=false
	Wires        []ResolvedWire     `json:"wires,omitempty"`
	Unresolved   []UnresolvedImport `json:"unresolved,omitempty"`
	Order        []string           `json:"order,omitempty"` // topological startup order of enabled instances
	Warnings     []Diagnostic       `json:"warnings,omitempty"`
}

// WiredService is an effective Service plus what wiring adds.
type WiredService struct {
	Service
	// InjectedEnv holds env keys added by wiring (already merged into Env);
	// kept so output can show where a value came from.
	InjectedEnv []string     `json:"injected_env,omitempty"`
	DependsOn   []Dependency `json:"depends_on,omitempty"` // sorted by instance
}

// Service returns the named service of d.
func (d *Desired) Service(name string) (*WiredService, bool) {
	for i := range d.Services {
		if d.Services[i].Instance == name {
			return &d.Services[i], true
		}
	}
	return nil, false
}
