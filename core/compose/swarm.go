package compose

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// SwarmOptions tune GenerateSwarm.
type SwarmOptions struct {
	Options
	// LocalImage reports whether instance's image is present on the
	// swarm's only node, so an instance that builds its image (built there
	// beforehand by the caller) may run on a single-node swarm. nil means
	// never: every instance that builds is refused.
	LocalImage func(instance, image string) bool
}

// SwarmVersion is the compose file format GenerateSwarm writes, which
// `docker stack deploy` reads.
const SwarmVersion = "3.9"

// Swarm update and rollback settings (see GenerateSwarm).
const (
	swarmUpdateOrder   = "stop-first"
	swarmFailureAction = "rollback"
	swarmMonitor       = "5s"
)

// GenerateSwarm renders d as the compose file `docker stack deploy`
// reads for stack devarch-{stack} (format SwarmVersion). Each enabled
// instance is a service named by the instance, with the env, mounts, user,
// command, entrypoint and healthcheck Generate gives it, and:
//   - the devarch labels on its containers and on the service (deploy.labels);
//   - deploy.replicas when the instance sets it, deploy.endpoint_mode from
//     d.EndpointMode (dnsrr unless vip: a VIP needs IPVS in the kernel);
//   - a rolling update one task at a time (stop-first), watched for 5s and
//     rolled back by swarm when a task fails (failure_action rollback),
//     and a rollback_config; the restart policy as deploy.restart_policy;
//   - ports published in host mode (dnsrr cannot use the ingress mesh), on
//     every interface of the node running the task: swarm has no host IP;
//   - aliases {instance} and devarch-{stack}-{instance} on the stack's
//     attachable overlay network devarch-{stack}-net, so wiring's host
//     names resolve as on compose.
//
// There is no container_name (swarm forbids it) and no depends_on (swarm
// ignores it: services start together and a consumer retries, or fails and
// is restarted, until its provider answers). An instance that builds its
// image is refused unless opt.LocalImage says the image is on the swarm's
// only node; a compose fragment is refused (its keys have no swarm form).
// The output is deterministic.
func GenerateSwarm(d core.Desired, opt SwarmOptions) ([]byte, error) {
	p, err := Project(d, opt.Options)
	if err != nil {
		return nil, err
	}
	netName := core.NetworkName(d.Stack)
	f := swarmFile{
		Version:  SwarmVersion,
		Services: map[string]swarmService{},
		Networks: map[string]swarmNetwork{
			netName: {Name: netName, Driver: "overlay", Attachable: true, Labels: NetworkLabels(d)},
		},
	}
	for _, other := range d.JoinNetworks {
		if n := core.NetworkName(other); n != netName {
			f.Networks[n] = swarmNetwork{Name: n, External: true}
		}
	}
	var errs core.FieldErrors
	for _, s := range d.Services {
		svc, ok := p.Services[s.Instance]
		if !s.Enabled || !ok {
			continue
		}
		out, err := swarmServiceOf(d, s, svc, opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f.Services[s.Instance] = out
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeVolume {
				if f.Volumes == nil {
					f.Volumes = map[string]swarmVolume{}
				}
				f.Volumes[v.Source] = swarmVolume{Labels: map[string]string{core.LabelManaged: "true", core.LabelStack: d.Stack}}
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	err = enc.Encode(f)
	if err == nil {
		err = enc.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("marshal swarm stack %s: %w", core.ProjectName(d.Stack), err)
	}
	return buf.Bytes(), nil
}

func swarmServiceOf(d core.Desired, s core.WiredService, svc types.ServiceConfig, opt SwarmOptions) (swarmService, *core.FieldError) {
	base := "instances." + s.Instance
	if frag := strings.TrimSpace(s.Compose); frag != "" {
		var m map[string]any
		_ = yaml.Unmarshal([]byte(frag), &m) // Project checked it
		keys := slices.Sorted(maps.Keys(m))
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == "build" })
		if len(keys) > 0 {
			return swarmService{}, core.Errf(base+".compose", fmt.Sprintf(
				"sets %s, which the swarm runtime cannot translate for docker stack deploy; remove it from the fragment or run the stack on docker or podman",
				strings.Join(keys, ", ")))
		}
	}
	if svc.Build != nil && (opt.LocalImage == nil || !opt.LocalImage(s.Instance, s.Image)) {
		return swarmService{}, &core.FieldError{
			Field: base + ".build",
			Rule:  "a swarm cannot build images: its nodes pull them (only a single-node swarm holding the built image may run it)",
			Hint:  "build and push the image to a registry every node can pull from (docker build --push -t REGISTRY/REPO:TAG .), then set the instance's image to it",
		}
	}
	out := swarmService{
		Image:  svc.Image,
		User:   svc.User,
		Labels: map[string]string(svc.Labels),
		Networks: map[string]*swarmServiceNet{
			core.NetworkName(d.Stack): {Aliases: []string{s.Instance, core.ContainerName(d.Stack, s.Instance)}},
		},
		Deploy: swarmDeploy{
			Replicas:       s.Replicas,
			EndpointMode:   core.EffectiveEndpointMode(d.EndpointMode),
			Labels:         devarchLabels(svc.Labels),
			UpdateConfig:   &swarmUpdate{Parallelism: 1, Order: swarmUpdateOrder, FailureAction: swarmFailureAction, Monitor: swarmMonitor},
			RollbackConfig: &swarmUpdate{Parallelism: 0, Order: swarmUpdateOrder, FailureAction: "pause", Monitor: swarmMonitor},
			RestartPolicy:  swarmRestartPolicy(s.Restart),
		},
	}
	for key := range svc.Networks {
		if key != core.NetworkName(d.Stack) {
			out.Networks[key] = nil
		}
	}
	if svc.Command != nil {
		c := []string(svc.Command)
		out.Command = &c
	}
	if svc.Entrypoint != nil {
		e := []string(svc.Entrypoint)
		out.Entrypoint = &e
	}
	if len(svc.Environment) > 0 {
		out.Environment = map[string]string{}
		for k, v := range svc.Environment {
			if v != nil {
				out.Environment[k] = *v
			}
		}
	}
	for _, pc := range svc.Ports {
		sp := swarmPort{Target: pc.Target, Protocol: pc.Protocol, Mode: "host"}
		if pc.Published != "" {
			n, err := strconv.Atoi(pc.Published)
			if err != nil {
				return swarmService{}, core.Errf(base+".ports", fmt.Sprintf("published port %q is not a number", pc.Published))
			}
			sp.Published = n
		}
		out.Ports = append(out.Ports, sp)
	}
	for _, v := range svc.Volumes {
		out.Volumes = append(out.Volumes, swarmMount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly})
	}
	if h := svc.HealthCheck; h != nil {
		sh := &swarmHealth{Test: []string(h.Test), Retries: h.Retries}
		sh.Interval, sh.Timeout, sh.StartPeriod = durationString(h.Interval), durationString(h.Timeout), durationString(h.StartPeriod)
		out.Healthcheck = sh
	}
	return out, nil
}

// devarchLabels are the devarch.* labels of labels: the service's own.
func devarchLabels(labels types.Labels) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		if strings.HasPrefix(k, "devarch.") {
			out[k] = v
		}
	}
	return out
}

// swarmRestartPolicy maps a compose restart policy, which swarm ignores,
// to deploy.restart_policy: no is none, on-failure[:N] is on-failure
// (at most N attempts), always, unless-stopped and the default are any.
func swarmRestartPolicy(restart string) *swarmRestart {
	name, n, _ := strings.Cut(restart, ":")
	switch name {
	case "no":
		return &swarmRestart{Condition: "none"}
	case "on-failure":
		r := &swarmRestart{Condition: "on-failure"}
		if m, err := strconv.ParseUint(n, 10, 64); err == nil {
			r.MaxAttempts = &m
		}
		return r
	}
	return &swarmRestart{Condition: "any"}
}

func durationString(d *types.Duration) string {
	if d == nil {
		return ""
	}
	return time.Duration(*d).String()
}

// The compose file format docker stack deploy reads, as far as devarch
// writes it.
type (
	swarmFile struct {
		Version  string                  `yaml:"version"`
		Services map[string]swarmService `yaml:"services"`
		Networks map[string]swarmNetwork `yaml:"networks,omitempty"`
		Volumes  map[string]swarmVolume  `yaml:"volumes,omitempty"`
	}
	swarmService struct {
		Image       string                      `yaml:"image"`
		Command     *[]string                   `yaml:"command,omitempty"`
		Entrypoint  *[]string                   `yaml:"entrypoint,omitempty"`
		User        string                      `yaml:"user,omitempty"`
		Environment map[string]string           `yaml:"environment,omitempty"`
		Labels      map[string]string           `yaml:"labels,omitempty"`
		Ports       []swarmPort                 `yaml:"ports,omitempty"`
		Volumes     []swarmMount                `yaml:"volumes,omitempty"`
		Healthcheck *swarmHealth                `yaml:"healthcheck,omitempty"`
		Networks    map[string]*swarmServiceNet `yaml:"networks"`
		Deploy      swarmDeploy                 `yaml:"deploy"`
	}
	swarmPort struct {
		Target    uint32 `yaml:"target"`
		Published int    `yaml:"published,omitempty"`
		Protocol  string `yaml:"protocol,omitempty"`
		Mode      string `yaml:"mode"`
	}
	swarmMount struct {
		Type     string `yaml:"type"`
		Source   string `yaml:"source"`
		Target   string `yaml:"target"`
		ReadOnly bool   `yaml:"read_only,omitempty"`
	}
	swarmHealth struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval,omitempty"`
		Timeout     string   `yaml:"timeout,omitempty"`
		StartPeriod string   `yaml:"start_period,omitempty"`
		Retries     *uint64  `yaml:"retries,omitempty"`
	}
	swarmServiceNet struct {
		Aliases []string `yaml:"aliases,omitempty"`
	}
	swarmDeploy struct {
		Replicas       *int              `yaml:"replicas,omitempty"`
		EndpointMode   string            `yaml:"endpoint_mode"`
		Labels         map[string]string `yaml:"labels,omitempty"`
		UpdateConfig   *swarmUpdate      `yaml:"update_config,omitempty"`
		RollbackConfig *swarmUpdate      `yaml:"rollback_config,omitempty"`
		RestartPolicy  *swarmRestart     `yaml:"restart_policy,omitempty"`
	}
	swarmUpdate struct {
		Parallelism   uint64 `yaml:"parallelism"`
		Order         string `yaml:"order"`
		FailureAction string `yaml:"failure_action"`
		Monitor       string `yaml:"monitor"`
	}
	swarmRestart struct {
		Condition   string  `yaml:"condition"`
		MaxAttempts *uint64 `yaml:"max_attempts,omitempty"`
	}
	swarmNetwork struct {
		Name       string            `yaml:"name"`
		Driver     string            `yaml:"driver,omitempty"`
		Attachable bool              `yaml:"attachable,omitempty"`
		External   bool              `yaml:"external,omitempty"`
		Labels     map[string]string `yaml:"labels,omitempty"`
	}
	swarmVolume struct {
		Labels map[string]string `yaml:"labels,omitempty"`
	}
)
