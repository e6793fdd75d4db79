package core

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"text/template/parse"
)

// secretSentinel stands in for secret values when Inject checks whether a
// rendered value depends on one.
const secretSentinel = "\x00devarch-secret\x00"

// HasHealthcheck reports whether s defines a healthcheck that runs, so that
// its consumers wait for service_healthy rather than service_started.
func (s *Service) HasHealthcheck() bool {
	h := s.Healthcheck
	return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// Inject applies wires to services: each consumer gets the env of the
// export it is wired to, rendered in the bounded template language of exportenv.go over
// ExportData (Host is the provider's container name devarch-{stack}-{name},
// Port the export's container port, Env the provider's effective env), each
// key prefixed with the import's Prefix; and a DependsOn entry on the
// provider, Healthy when the provider has a healthcheck. An injected value
// is secret when it depends on a secret value of the provider. A key the
// consumer sets in its own env is kept (a warning says so). Two imports
// injecting the same key, and export env templates that do not render, are
// errors. Dependencies the instance declares (Needs) are kept as declared:
// wiring adds to them, never replaces one. The result holds every
// service, sorted by instance; disabled ones get no wiring. Inputs are not modified.
func Inject(stack string, services []Service, wires []ResolvedWire) ([]WiredService, []Diagnostic) {
	byName := make(map[string]*Service, len(services))
	for i := range services {
		byName[services[i].Instance] = &services[i]
	}
	byConsumer := map[string][]ResolvedWire{}
	for _, w := range wires {
		byConsumer[w.Consumer] = append(byConsumer[w.Consumer], w)
	}
	var diags []Diagnostic
	out := make([]WiredService, 0, len(services))
	r := &exportRenderer{providers: map[string]*providerEnv{}, done: map[renderKey]rendered{}}
	for _, s := range services {
		ws := WiredService{Service: s}
		ws.Env = maps.Clone(s.Env)
		if s.Enabled {
			diags = append(diags, injectInto(stack, &ws, byConsumer[s.Instance], byName, r)...)
		}
		out = append(out, ws)
	}
	slices.SortStableFunc(out, func(a, b WiredService) int { return cmp.Compare(a.Instance, b.Instance) })
	return out, diags
}

// exportRenderer renders the export env of the providers of one Inject: a
// provider's env is read once, and a template rendered for one consumer is
// not rendered again for the next consumer of the same export (a rendering
// depends only on the template and the provider's data).
type exportRenderer struct {
	providers map[string]*providerEnv
	done      map[renderKey]rendered
}

// providerEnv is what every rendering of a provider's export env reads:
// its env values, and its secret keys.
type providerEnv struct {
	values  map[string]string
	secrets map[string]bool
}

type renderKey struct {
	provider, text string
	port           int
}

type rendered struct {
	value  string
	secret bool
}

func (r *exportRenderer) provider(p *Service) *providerEnv {
	if pe, ok := r.providers[p.Instance]; ok {
		return pe
	}
	pe := &providerEnv{values: envValues(p.Env), secrets: secretKeys(p.Env)}
	r.providers[p.Instance] = pe
	return pe
}

// render is renderExportEnv of the template text of export exp of p, over
// data.
func (r *exportRenderer) render(name, text string, p *Service, exp Export, data ExportData, pe *providerEnv) (string, bool, error) {
	k := renderKey{provider: p.Instance, text: text, port: exp.Port}
	if got, ok := r.done[k]; ok {
		return got.value, got.secret, nil
	}
	value, secret, err := renderExportEnv(name, text, data, pe.secrets)
	if err == nil {
		r.done[k] = rendered{value, secret}
	}
	return value, secret, err
}

func injectInto(stack string, ws *WiredService, wires []ResolvedWire, byName map[string]*Service, r *exportRenderer) []Diagnostic {
	var diags []Diagnostic
	c := ws.Instance
	slices.SortFunc(wires, func(a, b ResolvedWire) int { return cmp.Compare(a.Import, b.Import) })
	injectedBy := map[string]string{} // env key -> import name
	deps := map[string]bool{}
	own := maps.Clone(ws.Env)
	for _, w := range wires {
		p, ok := byName[w.Provider]
		if !ok {
			continue
		}
		label := fmt.Sprintf("wire %s.%s -> %s", c, w.Import, w.Provider)
		exp, ok := exportNamed(p, w.Export, w.Type)
		if !ok {
			diags = append(diags, errDiag(c, "%s: instance %s has no export %q", label, w.Provider, w.Export))
			continue
		}
		var prefix string
		if i := slices.IndexFunc(ws.Imports, func(i Import) bool { return i.Name == w.Import }); i >= 0 {
			prefix = ws.Imports[i].Prefix
		}
		pe := r.provider(p)
		data := ExportData{
			Host: ContainerName(stack, p.Instance), Port: exp.Port,
			Instance: p.Instance, Stack: stack, Env: pe.values,
		}
		for _, key := range slices.Sorted(maps.Keys(exp.Env)) {
			name := fmt.Sprintf("%s.exports.%s.env.%s", p.Instance, exp.Name, key)
			value, secret, err := r.render(name, exp.Env[key], p, exp, data, pe)
			if err != nil {
				diags = append(diags, errDiag(c, "%s: %v", label, err))
				continue
			}
			k := prefix + key
			if _, mine := own[k]; mine {
				diags = append(diags, Diagnostic{
					Severity: SeverityWarning, Instance: c,
					Message: fmt.Sprintf("env %s is set by the instance itself and is kept; %s would set it", k, label),
				})
				continue
			}
			if prev, dup := injectedBy[k]; dup {
				diags = append(diags, errDiag(c, "imports %s and %s both inject env %s; give one of them a prefix",
					prev, w.Import, k))
				continue
			}
			if ws.Env == nil {
				ws.Env = map[string]EnvVar{}
			}
			ws.Env[k] = EnvVar{Value: value, Secret: secret}
			injectedBy[k] = w.Import
		}
		deps[p.Instance] = deps[p.Instance] || p.HasHealthcheck()
	}
	ws.InjectedEnv = slices.Sorted(maps.Keys(injectedBy))
	// The instance's own depends_on stays as declared; wiring only adds.
	for name, d := range ws.Needs {
		if _, ok := byName[name]; !ok || name == c {
			continue
		}
		ws.DependsOn = append(ws.DependsOn, Dependency{
			Instance: name, Condition: cmp.Or(d.Condition, ConditionStarted),
			Healthy: d.Condition == ConditionHealthy, Restart: d.Restart, Optional: d.Optional,
		})
	}
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if _, own := ws.Needs[name]; own {
			continue
		}
		ws.DependsOn = append(ws.DependsOn, Dependency{Instance: name, Healthy: deps[name]})
	}
	slices.SortFunc(ws.DependsOn, func(a, b Dependency) int { return cmp.Compare(a.Instance, b.Instance) })
	return diags
}

// exportNamed returns p's export called name, or its first export of type t
// when name is empty.
func exportNamed(p *Service, name string, t ContractType) (Export, bool) {
	if name == "" {
		return exportOf(p, t)
	}
	for _, e := range p.Exports {
		if e.Name == name {
			return e, true
		}
	}
	return Export{}, false
}

func envValues(env map[string]EnvVar) map[string]string {
	out := make(map[string]string, len(env))
	for k, v := range env {
		out[k] = v.Value
	}
	return out
}

// secretKeys is the set of env's secret keys.
func secretKeys(env map[string]EnvVar) map[string]bool {
	out := map[string]bool{}
	for k, v := range env {
		if v.Secret {
			out[k] = true
		}
	}
	return out
}

// renderExportEnv renders one export env template. The result is secret
// when the template names one of the provider's secret env keys
// (secretKeys), or when its output changes once secret values are swapped
// for a sentinel.
func renderExportEnv(name, text string, data ExportData, secretKeys map[string]bool) (string, bool, error) {
	tpl, err := parseExportEnv(text)
	if err != nil {
		return "", false, fmt.Errorf("export env %s: %w", name, err)
	}
	out, err := executeExportEnv(tpl, data)
	if err != nil {
		return "", false, fmt.Errorf("export env %s: %w", name, err)
	}
	if len(secretKeys) == 0 {
		return out, false, nil
	}
	if referencesAny(tpl.Root, secretKeys) {
		return out, true, nil
	}
	masked := data
	masked.Env = maps.Clone(data.Env)
	for k := range secretKeys {
		masked.Env[k] = secretSentinel
	}
	if m, err := executeExportEnv(tpl, masked); err != nil || m != out {
		return out, true, nil
	}
	return out, false, nil
}

// referencesAny reports whether the template tree under n names any of
// keys as a field (.Env.KEY) or as a string literal (index .Env "KEY").
func referencesAny(n parse.Node, keys map[string]bool) bool {
	if n == nil {
		return false
	}
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if referencesAny(c, keys) {
				return true
			}
		}
	case *parse.ActionNode:
		return referencesAny(n.Pipe, keys)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if referencesAny(c, keys) {
				return true
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if referencesAny(a, keys) {
				return true
			}
		}
	case *parse.FieldNode:
		return anyKey(n.Ident, keys)
	case *parse.ChainNode:
		return anyKey(n.Field, keys) || referencesAny(n.Node, keys)
	case *parse.VariableNode:
		return anyKey(n.Ident, keys)
	case *parse.StringNode:
		return keys[n.Text]
	case *parse.IfNode:
		return referencesBranch(&n.BranchNode, keys)
	case *parse.WithNode:
		return referencesBranch(&n.BranchNode, keys)
	}
	return false
}

func referencesBranch(b *parse.BranchNode, keys map[string]bool) bool {
	return referencesAny(b.Pipe, keys) || referencesAny(b.List, keys) || referencesAny(b.ElseList, keys)
}

func anyKey(idents []string, keys map[string]bool) bool {
	return slices.ContainsFunc(idents, func(s string) bool { return keys[s] })
}
