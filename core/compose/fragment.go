package compose

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// OwnedKeys are the compose service keys a fragment may not set (see
// core.ComposeOwnedKeys). Labels under "devarch." are refused too.
var OwnedKeys = core.ComposeOwnedKeys

// applyFragment merges the raw compose service fragment frag onto svc:
// each key the fragment sets replaces the service's value, except mappings
// (environment, labels, ...), which are merged by key with the fragment
// winning. The fragment is validated by compose-go against the compose
// schema; keys devarch owns are refused. Errors are *core.FieldError on
// "instances.<name>.compose".
func applyFragment(svc *types.ServiceConfig, stack, frag string) *core.FieldError {
	field := "instances." + svc.Name + ".compose"
	if fe := core.FragmentTagError(field, frag); fe != nil {
		return fe
	}
	var m map[string]any
	if err := yaml.Unmarshal([]byte(frag), &m); err != nil {
		return core.Errf(field, fmt.Sprintf("is not a YAML mapping of compose service keys: %v", err))
	}
	if m == nil {
		return core.Errf(field, "must be a YAML mapping of compose service keys")
	}
	for _, k := range OwnedKeys {
		if _, ok := m[k]; ok {
			return core.Errf(field, core.ComposeOwnedKeyRule(k))
		}
	}
	if deploy, ok := m["deploy"].(map[string]any); ok {
		if _, ok := deploy["replicas"]; ok {
			return core.Errf(field, `sets "deploy.replicas", which devarch manages; set the instance's replicas instead`)
		}
	}
	if err := refuseDevarchLabels(field, m["labels"]); err != nil {
		return err
	}
	if _, ok := interpolated(m); ok {
		return core.Errf(field, "a value uses variable interpolation; the compose project must not depend on the environment: write $$ for a literal $")
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, known := fieldByTag(reflect.Value{}, k); (!known || k == "name") && !strings.HasPrefix(k, "x-") {
			return core.Errf(field, fmt.Sprintf("key %q is not a compose service key", k))
		}
	}
	fs, err := loadFragment(stack, svc.Name, m)
	if err != nil {
		return core.Errf(field, "is not a valid compose service: "+err.Error())
	}
	dst := reflect.ValueOf(svc).Elem()
	src := reflect.ValueOf(&fs).Elem()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if strings.HasPrefix(k, "x-") {
			if svc.Extensions == nil {
				svc.Extensions = types.Extensions{}
			}
			svc.Extensions[k] = fs.Extensions[k]
			continue
		}
		to, _ := fieldByTag(dst, k)
		from, _ := fieldByTag(src, k)
		if to.Kind() == reflect.Map && !to.IsNil() && !from.IsNil() {
			iter := from.MapRange()
			for iter.Next() {
				to.SetMapIndex(iter.Key(), iter.Value())
			}
			continue
		}
		to.Set(from)
	}
	return nil
}

// interpolated returns the first string in v (a decoded YAML value), in
// sorted key order, that compose would interpolate: one with a "$" that is
// not part of a "$$".
func interpolated(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		if strings.Contains(strings.ReplaceAll(v, "$$", ""), "$") {
			return v, true
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if s, ok := interpolated(v[k]); ok {
				return s, true
			}
		}
	case []any:
		for _, item := range v {
			if s, ok := interpolated(item); ok {
				return s, true
			}
		}
	}
	return "", false
}

func refuseDevarchLabels(field string, labels any) *core.FieldError {
	var keys []string
	switch l := labels.(type) {
	case map[string]any:
		for k := range l {
			keys = append(keys, k)
		}
	case []any:
		for _, item := range l {
			s, _ := item.(string)
			k, _, _ := strings.Cut(s, "=")
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "devarch.") {
			return core.Errf(field, fmt.Sprintf("sets label %q; devarch.* labels are managed by devarch", k))
		}
	}
	return nil
}

// loadFragment loads m as the only service of a compose project with
// compose-go, schema validation on and interpolation off (values are
// taken as written).
func loadFragment(stack, name string, m map[string]any) (svc types.ServiceConfig, err error) {
	// Some malformed shapes make compose-go panic: that is a refusal too.
	// The panic's value is left out (it may quote the fragment).
	defer func() {
		if p := recover(); p != nil {
			svc, err = types.ServiceConfig{}, fmt.Errorf("compose cannot read this fragment: a key holds a value of a shape compose does not accept")
		}
	}()
	doc, err := yaml.Marshal(map[string]any{"services": map[string]any{name: m}})
	if err != nil {
		return types.ServiceConfig{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  "/",
		ConfigFiles: []types.ConfigFile{{Filename: "compose-fragment.yaml", Content: doc}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName(core.ProjectName(stack), true)
		o.SkipInterpolation = true
		o.SkipNormalization = true
		o.SkipConsistencyCheck = true
		o.SkipResolveEnvironment = true
		o.SkipInclude = true
		o.SkipExtends = true
		o.ResolvePaths = false
	})
	if err != nil {
		return types.ServiceConfig{}, err
	}
	s, ok := p.Services[name]
	if !ok {
		return types.ServiceConfig{}, fmt.Errorf("service %s missing after load", name)
	}
	return s, nil
}

var (
	tagIndexOnce sync.Once
	tagIndex     map[string][]int
)

// fieldByTag returns the field of a types.ServiceConfig value whose yaml
// name is key, looking into inline embedded structs; with an invalid v it
// only reports whether such a field exists.
func fieldByTag(v reflect.Value, key string) (reflect.Value, bool) {
	tagIndexOnce.Do(func() {
		tagIndex = map[string][]int{}
		indexTags(reflect.TypeFor[types.ServiceConfig](), nil)
	})
	idx, ok := tagIndex[key]
	if !ok || !v.IsValid() {
		return reflect.Value{}, ok
	}
	return v.FieldByIndex(idx), true
}

func indexTags(t reflect.Type, prefix []int) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		idx := append(slices.Clone(prefix), i)
		switch {
		case name == "-" || strings.HasPrefix(name, "#"):
		case strings.Contains(opts, "inline") && f.Type.Kind() == reflect.Struct:
			indexTags(f.Type, idx)
		case name != "" && f.IsExported():
			if _, dup := tagIndex[name]; !dup {
				tagIndex[name] = idx
			}
		}
	}
}
