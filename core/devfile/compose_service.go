package devfile

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// disabledReason decides, before any service is converted, whether name is
// imported disabled: its profiles are not active (compose does not start
// it either), or it uses a network_mode devarch cannot give it.
func (c *composeConverter) disabledReason(name string, s types.ServiceConfig) {
	path := "services." + name
	enable := fmt.Sprintf("`devarch instance set %s %s --enable`", c.stack, name)
	if len(s.Profiles) > 0 && !s.HasProfile(c.active) {
		c.disabled[name] = "profile"
		c.warn("%s.profiles: %s is only started with profile %s, which is not active: imported as a disabled instance (as compose does not start it); enable it with %s, or import with --profile %s",
			path, name, strings.Join(s.Profiles, " or "), enable, s.Profiles[0])
	}
	switch mode := s.NetworkMode; {
	case mode == "" || mode == "default" || mode == "bridge":
		if mode != "" {
			c.warn("%s.network_mode: %q not carried over: every devarch instance runs on the stack network %s", path, mode, core.NetworkName(c.stack))
		}
	default:
		if _, done := c.disabled[name]; !done {
			c.disabled[name] = "network_mode"
		}
		c.warn("%s.network_mode: %q is not supported: devarch runs every instance on the stack network %s, so %s was imported as a disabled instance; %s runs it on that network instead (publish the ports it listens on with --port)",
			path, mode, core.NetworkName(c.stack), name, enable)
	}
}

func (c *composeConverter) service(name string, s types.ServiceConfig) {
	path := "services." + name
	if err := core.ValidateInstanceName(c.stack, name); err != nil {
		fes := core.AsFieldErrors(err)
		if fes == nil {
			fes = core.FieldErrors{core.Errf(path, err.Error())}
		}
		for _, fe := range fes {
			c.fail(path, fe.Rule, fe.Hint)
		}
		return
	}
	if s.Provider != nil {
		c.fail(path+".provider", "provider services are not supported", "run the service with an `image:` instead")
		return
	}
	frag := c.fragment(name, s)
	t := core.Template{
		Name:    c.stack + "-" + name,
		Command: s.Command, Entrypoint: s.Entrypoint, User: s.User, Restart: s.Restart,
		Env: c.composeEnv(name, s.Environment), Labels: map[string]string(s.Labels),
		Ports: c.ports(path, s.Ports), Healthcheck: c.health(path, s.HealthCheck),
	}
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	if s.Build != nil {
		t.Build = c.build(path, s)
	} else {
		t.Image = normalizeImage(s.Image)
		// The catalog contributes its contracts, so other instances can be
		// wired to this one; nothing of its configuration comes in.
		repo, _ := splitComposeImage(t.Image)
		if bt, ok := c.byRepo[repo]; ok {
			t.Exports = c.catalogExports(path, name, bt, t.Env, t.Ports)
		}
	}
	t.Files = c.serviceObjects(name, s)
	if err := core.ValidateName(path, t.Name); err != nil {
		c.fail(path, fmt.Sprintf("template name %q is too long; shorten the stack or service name", t.Name), "")
		return
	}
	inst := core.Instance{Name: name, Template: t.Name, Enabled: c.disabled[name] == ""}
	// Volumes are the instance's, so named volumes keep the names the file
	// gives them (a template's would be scoped to the instance) and services
	// that share one still do.
	if vols := c.volumes(name, s.Volumes, frag); len(vols) > 0 {
		inst.Overrides.Volumes = &vols
	}
	if s.ContainerName != "" {
		c.warn("%s.container_name: %q kept as a network alias: devarch names the container %s", path, s.ContainerName, core.ContainerName(c.stack, name))
		inst.Overrides.Aliases = []string{s.ContainerName}
	}
	c.tpl[name] = &t
	c.created = append(c.created, &t)
	c.svcOfTpl[t.Name] = name
	if len(frag) > 0 {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(frag); err != nil {
			c.fail(path, "cannot carry its settings over: "+err.Error(), "")
			return
		}
		inst.Overrides.Compose = b.String()
	}
	c.out.Stack.Instances = append(c.out.Stack.Instances, inst)
}

// normalizeImage makes a compose image reference fully qualified, with
// the tag docker assumes when it has none: latest.
func normalizeImage(ref string) string {
	first, _, hasSlash := strings.Cut(ref, "/")
	switch {
	case !hasSlash:
		ref = "docker.io/library/" + ref
	case strings.ContainsAny(first, ".:") || first == "localhost":
	default:
		ref = "docker.io/" + ref
	}
	if _, tag := core.SplitImage(ref); tag == "" {
		ref += ":latest"
	}
	return ref
}

// splitComposeImage splits a fully qualified reference into its repository
// and tag (or digest, starting with "@"); an absent tag is ":latest", as
// for docker, and a "repo:tag@digest" reference is pinned by its digest.
func splitComposeImage(image string) (repo, tag string) {
	repo, tag = core.SplitImage(image)
	if strings.HasPrefix(tag, "@") {
		if r, _ := core.SplitImage(repo); r != repo {
			repo = r
		}
	}
	if tag == "" {
		tag = ":latest"
	}
	return repo, tag
}

func (c *composeConverter) ports(path string, in []types.ServicePortConfig) []core.Port {
	var out []core.Port
	for i, p := range in {
		host := 0
		if p.Published != "" {
			n, err := strconv.Atoi(p.Published)
			if err != nil {
				c.fail(fmt.Sprintf("%s.ports[%d]", path, i), fmt.Sprintf("published port %q: ranges are not supported: devarch publishes fixed host ports so it can check them for conflicts across stacks", p.Published), "list each port")
				continue
			}
			host = n
		}
		proto := p.Protocol
		if proto == "tcp" {
			proto = ""
		}
		out = append(out, core.Port{HostIP: p.HostIP, Host: host, Container: int(p.Target), Protocol: proto})
	}
	return out
}

// volumes converts volume and bind mounts; tmpfs mounts go into the
// fragment's tmpfs list. It records each devarch volume's compose index.
func (c *composeConverter) volumes(service string, in []types.ServiceVolumeConfig, frag map[string]any) []core.Volume {
	var out []core.Volume
	var idx []int
	for i, v := range in {
		field := fmt.Sprintf("services.%s.volumes[%d]", service, i)
		switch v.Type {
		case types.VolumeTypeVolume, types.VolumeTypeBind:
			if v.Source == "" {
				c.warn("%s: anonymous volume %s kept as a named volume %s-data", field, v.Target, service)
				v.Source = service + "-data"
			}
			// compose takes "/etc/pihole/" as "/etc/pihole"
			v.Target = path.Clean(v.Target)
			if !core.IsNamedVolume(v.Source) {
				v.Source = filepath.Clean(v.Source)
			}
			if lost := volumeOptions(v); len(lost) > 0 {
				c.warn("%s: %s not carried over: devarch mounts %s at %s with default options", field, strings.Join(lost, ", "), v.Source, v.Target)
			}
			out = append(out, core.Volume{Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
			idx = append(idx, i)
		case types.VolumeTypeTmpfs:
			entry := v.Target
			var opts []string
			if v.Tmpfs != nil && v.Tmpfs.Size > 0 {
				opts = append(opts, fmt.Sprintf("size=%d", v.Tmpfs.Size))
			}
			if v.Tmpfs != nil && v.Tmpfs.Mode != 0 {
				opts = append(opts, fmt.Sprintf("mode=%o", v.Tmpfs.Mode))
			}
			if len(opts) > 0 {
				entry += ":" + strings.Join(opts, ",")
			}
			var list []any
			switch t := frag["tmpfs"].(type) {
			case string:
				list = []any{t}
			case []any:
				list = t
			}
			frag["tmpfs"] = append(list, escapeDollars(entry))
		default:
			c.warn("%s: %s mount at %s not carried over: devarch mounts named volumes and host paths only", field, v.Type, v.Target)
		}
	}
	c.volIdx[service] = idx
	return out
}

// volumeOptions names the mount options a devarch volume cannot hold.
func volumeOptions(v types.ServiceVolumeConfig) []string {
	var lost []string
	if v.Consistency != "" {
		lost = append(lost, "consistency")
	}
	if b := v.Bind; b != nil {
		if b.SELinux != "" {
			lost = append(lost, "selinux ("+b.SELinux+")")
		}
		if b.Propagation != "" {
			lost = append(lost, "propagation")
		}
		if b.Recursive != "" {
			lost = append(lost, "recursive")
		}
	}
	if vo := v.Volume; vo != nil {
		if vo.NoCopy {
			lost = append(lost, "nocopy")
		}
		if vo.Subpath != "" {
			lost = append(lost, "subpath")
		}
		if len(vo.Labels) > 0 {
			lost = append(lost, "labels")
		}
	}
	return lost
}

func (c *composeConverter) health(path string, h *types.HealthCheckConfig) *core.Healthcheck {
	if h == nil {
		return nil
	}
	if h.Disable {
		return &core.Healthcheck{Test: []string{"NONE"}}
	}
	if h.StartInterval != nil {
		c.warn("%s.healthcheck.start_interval: not carried over: devarch checks at the interval during the start period too", path)
	}
	out := &core.Healthcheck{Test: slices.Clone([]string(h.Test))}
	d := func(p *types.Duration) core.Duration {
		if p == nil {
			return 0
		}
		return core.Duration(*p)
	}
	out.Interval, out.Timeout, out.StartPeriod = d(h.Interval), d(h.Timeout), d(h.StartPeriod)
	if h.Retries != nil {
		out.Retries = int(*h.Retries)
	}
	return out
}
