// Package compose renders a stack's desired state as a compose project.
package compose

import (
	"cmp"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

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

// Service dependency conditions.
const (
	conditionHealthy = "service_healthy"
	conditionStarted = "service_started"
)

// Generate renders d as a compose project in YAML: project devarch-{stack};
// one service per enabled instance, named by the instance, with container
// devarch-{stack}-{instance}, the devarch labels, env (secrets redacted
// unless opt.ShowSecrets), ports, volumes, config files mounted read-only
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
		cond := conditionStarted
		if dep.Healthy {
			cond = conditionHealthy
		}
		svc.DependsOn[dep.Instance] = types.ServiceDependency{Condition: cond, Required: true}
	}

	svc.Networks = map[string]*types.ServiceNetworkConfig{
		core.NetworkName(d.Stack): {Aliases: []string{s.Instance}},
	}
	for _, other := range joined {
		svc.Networks[core.NetworkName(other)] = nil
	}

	if strings.TrimSpace(s.Compose) != "" {
		if err := applyFragment(&svc, d.Stack, s.Compose); err != nil {
			return svc, nil, err
		}
	}
	slices.Sort(named)
	return svc, named, nil
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
