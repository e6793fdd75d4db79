// Package compose renders a stack's desired state as a compose project.
package compose

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// Options tune Generate.
type Options struct {
	// ShowSecrets writes secret env values in plaintext; otherwise they
	// are written as core.Redacted.
	ShowSecrets bool
	// FilesDir is the absolute directory config files are materialized
	// in: FilesDir/<instance>/<target path>. It is required when an
	// enabled instance has config files.
	FilesDir string
}

// Generate renders d as a compose project in YAML: project devarch-{stack};
// one service per enabled instance, named by the instance, with container
// devarch-{stack}-{instance}, the devarch labels, env (secrets redacted
// unless opt.ShowSecrets), build (context, dockerfile, target, args; the
// image is the name it tags), ports, volumes, config files mounted read-only
// from opt.FilesDir, healthcheck and depends_on; one network
// devarch-{stack}-net owned by the project, plus the networks of joined
// stacks as external ones. Each instance's compose fragment is applied last.
// Every "$" written is escaped as "$$", so the output needs no environment.
// The output is deterministic: the same d and opt give the same bytes.
func Generate(d core.Desired, opt Options) ([]byte, error) {
	p, err := Project(d, opt)
	if err != nil {
		return nil, err
	}
	out, err := p.MarshalYAML()
	if err == nil {
		out, err = writeCreateHostPath(p, out)
	}
	if err != nil {
		return nil, fmt.Errorf("marshal compose project %s: %w", p.Name, err)
	}
	return out, nil
}

// Project builds the compose-go project Generate renders.
func Project(d core.Desired, opt Options) (*types.Project, error) {
	if d.Stack == "" {
		return nil, core.Errf("stack", "is empty; a compose project needs the stack name")
	}
	if opt.FilesDir != "" && !filepath.IsAbs(opt.FilesDir) {
		return nil, core.Errf("files_dir", fmt.Sprintf("%q is not an absolute path", opt.FilesDir))
	}
	netName := core.NetworkName(d.Stack)
	p := &types.Project{
		Name:     core.ProjectName(d.Stack),
		Services: types.Services{},
		Networks: types.Networks{
			netName: {
				Name: netName,
				Labels: types.Labels{
					core.LabelManaged: "true",
					core.LabelStack:   d.Stack,
					core.LabelLineage: d.Lineage,
				},
			},
		},
	}
	var joined []string
	for _, other := range d.JoinNetworks {
		if other == d.Stack || slices.Contains(joined, other) {
			continue
		}
		joined = append(joined, other)
		n := core.NetworkName(other)
		p.Networks[n] = types.NetworkConfig{Name: n, External: true}
	}
	slices.Sort(joined)

	enabled := map[string]bool{}
	for _, s := range d.Services {
		if s.Enabled {
			enabled[s.Instance] = true
		}
	}
	var errs core.FieldErrors
	for _, s := range d.Services {
		if !s.Enabled {
			continue
		}
		if _, dup := p.Services[s.Instance]; dup {
			errs = append(errs, core.Errf("services."+s.Instance, "duplicate instance name"))
			continue
		}
		svc, vols, err := service(d, s, enabled, joined, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, v := range vols {
			if p.Volumes == nil {
				p.Volumes = types.Volumes{}
			}
			p.Volumes[v] = types.VolumeConfig{}
		}
		p.Services[s.Instance] = svc
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// DefaultHostIP is where a port without a host IP is published: on the
// loopback interface, so a development database with a well-known password
// is not reachable from the network. "0.0.0.0:" publishes on every interface.
const DefaultHostIP = "127.0.0.1"

// service converts one enabled instance; it also returns the named volumes
// the service mounts.
func service(d core.Desired, s core.WiredService, enabled map[string]bool, joined []string, opt Options) (types.ServiceConfig, []string, *core.FieldError) {
	svc := types.ServiceConfig{
		Name:    s.Instance,
		Restart: esc(s.Restart),
	}
	svc.ContainerName = core.ContainerName(d.Stack, s.Instance)
	svc.Image = esc(s.Image)
	if b := s.Build; b != nil {
		// With both image and build, compose builds the image when it is
		// missing and tags it with the image name; devarch drives builds
		// itself, so no pull_policy is set.
		svc.Build = &types.BuildConfig{Context: esc(b.Context), Dockerfile: esc(b.Dockerfile), Target: esc(b.Target)}
		for _, k := range slices.Sorted(maps.Keys(b.Args)) {
			if svc.Build.Args == nil {
				svc.Build.Args = types.MappingWithEquals{}
			}
			v := esc(b.Args[k])
			svc.Build.Args[esc(k)] = &v
		}
	}
	svc.User = esc(s.User)
	if s.Command != nil {
		svc.Command = escAll(s.Command)
	}
	if s.Entrypoint != nil {
		svc.Entrypoint = escAll(s.Entrypoint)
	}
	if len(s.Env) > 0 {
		svc.Environment = types.MappingWithEquals{}
		for k, v := range s.Env {
			val := v.Value
			if v.Secret && !opt.ShowSecrets {
				val = core.Redacted
			}
			val = esc(val)
			svc.Environment[k] = &val
		}
	}
	svc.Labels = types.Labels{}
	for k, v := range s.Labels {
		svc.Labels[k] = esc(v)
	}
	maps.Copy(svc.Labels, types.Labels{
		core.LabelManaged:  "true",
		core.LabelStack:    d.Stack,
		core.LabelInstance: s.Instance,
		core.LabelTemplate: s.Template,
		core.LabelLineage:  d.Lineage,
	})
	if len(s.Files) > 0 {
		svc.Labels[LabelFiles] = filesHash(s.Files)
	}
	if len(s.Domains) > 0 {
		svc.Labels[core.LabelDomains] = strings.Join(s.Domains, ",")
	}
	for _, port := range s.Ports {
		pc := types.ServicePortConfig{
			HostIP:   cmp.Or(port.HostIP, DefaultHostIP),
			Target:   uint32(port.Container),
			Protocol: strings.ToLower(port.Protocol),
		}
		if pc.Protocol == "" {
			pc.Protocol = "tcp"
		}
		if port.Host != 0 {
			pc.Published = strconv.Itoa(port.Host)
		}
		svc.Ports = append(svc.Ports, pc)
	}

	var named []string
	for _, v := range s.Volumes {
		vc := types.ServiceVolumeConfig{Source: esc(v.Source), Target: esc(v.Target), ReadOnly: v.ReadOnly}
		if isBind(v.Source) {
			vc.Type = types.VolumeTypeBind
			vc.Bind = createHostPath()
		} else {
			vc.Type = types.VolumeTypeVolume
			if !slices.Contains(named, v.Source) {
				named = append(named, v.Source)
			}
		}
		svc.Volumes = append(svc.Volumes, vc)
	}
	for _, f := range s.Files {
		if opt.FilesDir == "" {
			return svc, nil, core.Errf("instances."+s.Instance+".files["+f.Target+"]",
				"config files need a files directory to be mounted from")
		}
		rel := strings.TrimPrefix(path.Clean("/"+f.Target), "/")
		svc.Volumes = append(svc.Volumes, types.ServiceVolumeConfig{
			Type:     types.VolumeTypeBind,
			Source:   esc(filepath.Join(opt.FilesDir, s.Instance, filepath.FromSlash(rel))),
			Target:   esc(f.Target),
			ReadOnly: true,
		})
	}

	if h := s.Healthcheck; h != nil && len(h.Test) > 0 {
		svc.HealthCheck = &types.HealthCheckConfig{
			Test:        escAll(h.Test),
			Interval:    duration(h.Interval),
			Timeout:     duration(h.Timeout),
			StartPeriod: duration(h.StartPeriod),
		}
		if h.Retries > 0 {
			r := uint64(h.Retries)
			svc.HealthCheck.Retries = &r
		}
	}

	for _, dep := range s.DependsOn {
		if !enabled[dep.Instance] || dep.Instance == s.Instance {
			continue
		}
		if svc.DependsOn == nil {
			svc.DependsOn = types.DependsOnConfig{}
		}
		svc.DependsOn[dep.Instance] = types.ServiceDependency{
			Condition: dep.ComposeCondition(), Required: !dep.Optional, Restart: dep.Restart,
		}
	}

	// Each domain is one more alias on the stack's network: the stack's
	// other containers resolve it to this one (README.md, "Domains").
	aliases := append([]string{s.Instance}, s.Aliases...)
	for _, dom := range s.Domains {
		if !slices.Contains(aliases, dom) {
			aliases = append(aliases, dom)
		}
	}
	svc.Networks = map[string]*types.ServiceNetworkConfig{
		core.NetworkName(d.Stack): {Aliases: aliases},
	}
	// On a joined network compose still makes the service name an alias
	// (an explicit, empty aliases list does not remove it), so the service
	// answers to its instance name there too: the daemon refuses an
	// instance name shared by stacks on one network (core/joins.go).
	for _, other := range joined {
		svc.Networks[core.NetworkName(other)] = nil
	}

	if strings.TrimSpace(s.Compose) != "" {
		if err := applyFragment(&svc, d.Stack, s.Compose); err != nil {
			return svc, nil, err
		}
	}
	setReplicas(&svc, d.Stack, s)
	slices.Sort(named)
	return svc, named, nil
}

// setReplicas writes s's replicas, when it sets them, as deploy.replicas
// (after the fragment, whose deploy may hold other keys). Compose refuses a
// container_name on a service running more than one container: those
// replicas are named by compose, devarch-{stack}-{instance}-N, and the
// container name devarch-{stack}-{instance} becomes a network alias every
// replica answers to, so wiring (which gives consumers that host name) and
// other instances reach them as before.
func setReplicas(svc *types.ServiceConfig, stack string, s core.WiredService) {
	if s.Replicas == nil {
		return
	}
	if svc.Deploy == nil {
		svc.Deploy = &types.DeployConfig{}
	}
	n := *s.Replicas
	svc.Deploy.Replicas = &n
	if n > 1 && svc.ContainerName != "" {
		svc.ContainerName = ""
		if nc := svc.Networks[core.NetworkName(stack)]; nc != nil {
			nc.Aliases = append(nc.Aliases, core.ContainerName(stack, s.Instance))
		}
	}
}

// LabelFiles is the service label holding filesHash of the instance's
// config files. The files are bind-mounted from a directory materialize
// replaces on every apply, and a running container keeps the files it was
// created with; the label makes compose's configuration hash, and so the
// container, change whenever a file's content or mode does.
const LabelFiles = "devarch.files"

// filesHash is a short hash of files (target, mode, sensitivity and
// content, in target order). One sha256 over every file: it tells that
// something changed without making any content, secret or not, readable.
func filesHash(files []core.ConfigFile) string {
	fs := slices.Clone(files)
	slices.SortFunc(fs, func(a, b core.ConfigFile) int { return strings.Compare(a.Target, b.Target) })
	h := sha256.New()
	h.Write([]byte("devarch-files/v1\x00"))
	for _, f := range fs {
		fmt.Fprintf(h, "%d:%s\x00%o\x00%t\x00%d:", len(f.Target), f.Target, f.Mode, f.Sensitive, len(f.Content))
		h.Write([]byte(f.Content))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// createHostPath is the bind option `docker compose up` gives a short
// "HOST:CONTAINER" mount: a missing host path is created (as a directory)
// instead of failing the container's creation. Generate writes it out
// (see writeCreateHostPath).
func createHostPath() *types.ServiceVolumeBind {
	return &types.ServiceVolumeBind{CreateHostPath: true}
}

// writeCreateHostPath spells out "create_host_path: true" in every bind
// mount of the marshalled project out that has bind options without it.
// compose-go leaves a true create_host_path out when it marshals (true is
// its default), but compose releases built on older compose-go read a
// missing one as false and then fail on a missing host path ("bind source
// path does not exist"). Only p's services with such a bind are looked at;
// out is returned unchanged when there is none.
func writeCreateHostPath(p *types.Project, out []byte) ([]byte, error) {
	need, bare := 0, true
	for _, svc := range p.Services {
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeBind && v.Bind != nil && bool(v.Bind.CreateHostPath) {
				need++
				b := v.Bind
				bare = bare && b.SELinux == "" && b.Propagation == "" && b.Recursive == "" && len(b.Extensions) == 0
			}
		}
	}
	if need == 0 {
		return out, nil
	}
	// Fast path: a bind with no other option is written "bind: {}" on a
	// line of its own. When every bind is bare and the lines found are
	// exactly as many (a "bind: {}" inside a multi-line value makes more),
	// spelling the key out there is all there is to do.
	if bare {
		if fast, n := expandEmptyBinds(out); n == need {
			return fast, nil
		}
	}
	return rewriteBinds(out)
}

// expandEmptyBinds rewrites every line "<indent>bind: {}" of out as a bind
// mapping holding create_host_path: true, and says how many it rewrote.
func expandEmptyBinds(out []byte) ([]byte, int) {
	lines := bytes.SplitAfter(out, []byte("\n"))
	var buf bytes.Buffer
	buf.Grow(len(out) + 64)
	n := 0
	for _, l := range lines {
		body := bytes.TrimRight(l, "\n")
		trimmed := bytes.TrimLeft(body, " ")
		if string(trimmed) != "bind: {}" {
			buf.Write(l)
			continue
		}
		indent := body[:len(body)-len(trimmed)]
		buf.Write(indent)
		buf.WriteString("bind:\n")
		buf.Write(indent)
		buf.WriteString("  create_host_path: true\n")
		n++
	}
	return buf.Bytes(), n
}

// rewriteBinds adds create_host_path: true to every bind mapping of out
// that lacks it, through a YAML node tree (binds with other options).
func rewriteBinds(out []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return nil, err
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	for _, svc := range mappingValues(mappingValue(root, "services")) {
		vols := mappingValue(svc, "volumes")
		if vols == nil || vols.Kind != yaml.SequenceNode {
			continue
		}
		for _, v := range vols.Content {
			if t := mappingValue(v, "type"); t == nil || t.Value != types.VolumeTypeBind {
				continue
			}
			bind := mappingValue(v, "bind")
			if bind == nil || bind.Kind != yaml.MappingNode || mappingValue(bind, "create_host_path") != nil {
				continue
			}
			bind.Style = 0 // a block mapping, not "{}"
			bind.Content = append(bind.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "create_host_path"},
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2) // as compose-go's MarshalYAML
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mappingValue returns the value of key in the mapping node m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// mappingValues returns the values of the mapping node m, in order.
func mappingValues(m *yaml.Node) []*yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out []*yaml.Node
	for i := 1; i < len(m.Content); i += 2 {
		out = append(out, m.Content[i])
	}
	return out
}

// isBind reports whether a volume source is a host path rather than a
// named volume.
func isBind(source string) bool { return !core.IsNamedVolume(source) }

func duration(d core.Duration) *types.Duration {
	if d == 0 {
		return nil
	}
	v := types.Duration(time.Duration(d))
	return &v
}

// esc escapes s for compose interpolation: "$" becomes "$$".
func esc(s string) string { return strings.ReplaceAll(s, "$", "$$") }

func escAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = esc(s)
	}
	return out
}
