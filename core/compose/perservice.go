package compose

import (
	"fmt"
	"maps"
	"slices"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/devarch-dev/devarch/core"
)

// InstanceProject is one instance's compose project in per-service mode.
type InstanceProject struct {
	Instance string // the instance it runs
	Name     string // devarch-{stack}-{instance}
	YAML     []byte
}

// NetworkLabels are the labels of the stack network devarch-{stack}-net:
// compose puts them on it in stack mode; in per-service mode devarch
// creates the network itself with them.
func NetworkLabels(d core.Desired) map[string]string {
	return map[string]string{
		core.LabelManaged: "true",
		core.LabelStack:   d.Stack,
		core.LabelLineage: d.Lineage,
	}
}

// GeneratePerService renders d in per-service mode: one compose project
// per enabled instance, named devarch-{stack}-{instance}, in d.Order
// (startup order), each holding the instance's service exactly as Generate
// renders it (container name, labels, aliases, env, mounts, healthcheck)
// but for depends_on, which compose cannot express across projects: the
// caller brings the projects up in order, waiting for a provider's health
// where a consumer's dependency asks for it. The stack network
// devarch-{stack}-net is declared external in every project: the caller
// creates it (labeled with NetworkLabels) before the first project and
// removes it after the last. A named volume keeps the name stack mode gives
// it, devarch-{stack}_{volume}, so switching modes keeps the data.
func GeneratePerService(d core.Desired, opt Options) ([]InstanceProject, error) {
	whole, err := Project(d, opt)
	if err != nil {
		return nil, err
	}
	netName := core.NetworkName(d.Stack)
	var out []InstanceProject
	for _, name := range projectOrder(d) {
		svc, ok := whole.Services[name]
		if !ok {
			continue
		}
		svc.DependsOn = nil
		p := &types.Project{
			Name:     core.InstanceProjectName(d.Stack, name),
			Services: types.Services{name: svc},
			Networks: types.Networks{},
		}
		for key, n := range whole.Networks {
			if _, used := svc.Networks[key]; !used {
				continue
			}
			if key == netName {
				n = types.NetworkConfig{Name: netName, External: true}
			}
			p.Networks[key] = n
		}
		for _, v := range svc.Volumes {
			if v.Type != types.VolumeTypeVolume {
				continue
			}
			if p.Volumes == nil {
				p.Volumes = types.Volumes{}
			}
			p.Volumes[v.Source] = types.VolumeConfig{
				Name: core.ProjectName(d.Stack) + "_" + v.Source,
				Labels: types.Labels{
					core.LabelManaged: "true",
					core.LabelStack:   d.Stack,
				},
			}
		}
		data, err := p.MarshalYAML()
		if err == nil {
			data, err = writeCreateHostPath(p, data)
		}
		if err != nil {
			return nil, fmt.Errorf("marshal compose project %s: %w", p.Name, err)
		}
		out = append(out, InstanceProject{Instance: name, Name: p.Name, YAML: data})
	}
	return out, nil
}

// projectOrder is d's enabled instances in startup order: d.Order, then
// any enabled instance it lacks, by name.
func projectOrder(d core.Desired) []string {
	order := slices.Clone(d.Order)
	rest := map[string]bool{}
	for _, s := range d.Services {
		if s.Enabled && !slices.Contains(order, s.Instance) {
			rest[s.Instance] = true
		}
	}
	return append(order, slices.Sorted(maps.Keys(rest))...)
}
