package devfile

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/secrets"
)

// converter turns a decoded File into core values, collecting every error
// with its path and line.
type converter struct {
	opt  ParseOptions
	idx  *lineIndex
	file *File
	errs core.FieldErrors
	key  *secrets.Key // derived once, when the file has sealed values
	used map[string]bool
}

func (c *converter) fail(path, rule, hint string) {
	c.errs = append(c.errs, &core.FieldError{Field: path, Line: c.idx.line(path), Rule: rule, Hint: hint})
}

// addAll records errors from core validators, adding lines to their paths.
func (c *converter) addAll(err error, prefixFrom, prefixTo string) {
	if err == nil {
		return
	}
	fes := core.AsFieldErrors(err)
	if fes == nil {
		c.fail("file", err.Error(), "")
		return
	}
	for _, fe := range fes {
		field := fe.Field
		if prefixFrom != "" && strings.HasPrefix(field, prefixFrom) {
			field = prefixTo + strings.TrimPrefix(field, prefixFrom)
		}
		c.errs = append(c.errs, &core.FieldError{Field: field, Line: c.idx.line(field), Rule: fe.Rule, Hint: fe.Hint})
	}
}

func (c *converter) convert() *Result {
	f := c.file
	c.used = map[string]bool{}
	name := f.Stack.Name
	if c.opt.StackName != "" {
		name = c.opt.StackName
	}
	if name == "" {
		c.fail("stack.name", "is required", "")
	}
	st := core.Stack{
		Name: name, Description: f.Stack.Description, Environment: f.Stack.Environment,
		JoinNetworks: slices.Clone(f.Stack.JoinNetworks), Wires: slices.Clone(f.Wires),
		ComposeMode: f.Stack.ComposeMode, EndpointMode: f.Stack.EndpointMode,
	}
	res := &Result{}
	templates := maps.Clone(c.opt.Templates)
	if templates == nil {
		templates = map[string]core.Template{}
	}
	for _, tn := range keys(f.Templates) {
		t := c.template(tn, f.Templates[tn])
		if old, ok := c.opt.Templates[tn]; ok && old.Builtin {
			c.fail("templates."+tn, fmt.Sprintf("%q is a built-in template; a file cannot redefine it", tn), "rename the template and the instances that use it")
			continue
		}
		c.addAll(core.ValidateTemplate(t), "template.", "templates."+tn+".")
		templates[tn] = t
		res.Templates = append(res.Templates, t)
	}
	for _, in := range keys(f.Instances) {
		st.Instances = append(st.Instances, c.instance(in, f.Instances[in]))
	}
	for i, w := range st.Wires {
		if w.Consumer == "" || w.Import == "" || w.Provider == "" {
			c.fail(fmt.Sprintf("wires[%d]", i), "needs consumer, import and provider", "")
		}
	}
	c.unusedSecrets()
	if len(c.errs) == 0 {
		c.addAll(core.ValidateStack(st, templates), "", "")
	}
	res.Stack = st
	return res
}

func (c *converter) template(name string, t *TemplateSpec) core.Template {
	path := "templates." + name
	if t == nil {
		c.fail(path, "must be a mapping", "")
		return core.Template{Name: name}
	}
	if t.Name != "" && t.Name != name {
		c.fail(path+".name", fmt.Sprintf("%q differs from the template's key %q: a template in devarch.yml is named by its key", t.Name, name), "remove `name:`")
	}
	out := t.Template
	out.Name, out.Builtin = name, false
	out.Env, out.Files = c.env(t.Env, path+".env"), nil
	out.Build = c.build(t.Build, path+".build")
	files := c.files(t.Files, path+".files")
	for _, target := range keys(files) {
		out.Files = append(out.Files, files[target])
	}
	return out
}

func (c *converter) instance(name string, s *InstanceSpec) core.Instance {
	path := "instances." + name
	if s == nil {
		c.fail(path, "must be a mapping with at least `template:`", "")
		return core.Instance{Name: name}
	}
	if s.Template == "" {
		c.fail(path+".template", "is required", "")
	}
	inst := core.Instance{Name: name, Template: s.Template, Enabled: s.Enabled == nil || *s.Enabled, Overrides: s.Overrides}
	inst.Overrides.Env = c.env(s.Env, path+".env")
	inst.Overrides.Files = c.files(s.Files, path+".files")
	inst.Overrides.Build = c.build(s.Build, path+".build")
	return inst
}

// build resolves a relative build context against the file's directory.
func (c *converter) build(b *core.ImageBuild, path string) *core.ImageBuild {
	out, ok := core.AbsoluteBuild(b, c.opt.Dir)
	if !ok {
		c.fail(path+".context", fmt.Sprintf("%q is relative and the file's directory is not known to resolve it against", b.Context), "import the file from its path, or write the context as an absolute path")
	}
	return out
}

func (c *converter) env(in map[string]Value, path string) map[string]core.EnvVar {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]core.EnvVar, len(in))
	for _, k := range keys(in) {
		v := in[k]
		// A secret without a value is already reported; the key stays so
		// that export templates naming it do not fail a second time.
		val, _ := c.secretValue(v.Secret, v.Value, v.Sealed, path+"."+k)
		out[k] = core.EnvVar{Value: val, Secret: v.Secret}
	}
	return out
}

func (c *converter) files(in map[string]*FileSpec, path string) map[string]core.ConfigFile {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]core.ConfigFile, len(in))
	for _, target := range keys(in) {
		fs, p := in[target], path+"."+target
		if fs == nil {
			c.fail(p, "must be a mapping with content", "")
			continue
		}
		mode, err := parseMode(fs.Mode)
		if err != nil {
			c.fail(p+".mode", err.Error(), "")
		}
		text := fs.Content
		if fs.Redacted {
			text = core.Redacted
		}
		if !fs.Sensitive && (fs.Sealed != "" || fs.Redacted) {
			c.fail(p, "only a sensitive file can be sealed or redacted", "add `sensitive: true`")
			continue
		}
		content, ok := c.secretValue(fs.Sensitive, text, fs.Sealed, p)
		if ok {
			out[target] = core.ConfigFile{Target: target, Content: content, Mode: mode, Sensitive: fs.Sensitive}
		}
	}
	return out
}

// secretValue resolves a value at path: plain text as is; a secret from
// --set-secret, from its sealed form, or from plaintext; a redacted secret
// without a value is an error that says how to give it.
func (c *converter) secretValue(secret bool, text, sealed, path string) (string, bool) {
	if !secret {
		return text, true
	}
	if v, ok := c.setSecret(path); ok {
		return v, true
	}
	if sealed != "" {
		key, err := c.sealingKey()
		if err != nil {
			c.fail(path, err.Error(), "pass the passphrase the file was exported with: --passphrase-file FILE or DEVARCH_PASSPHRASE")
			return "", false
		}
		v, err := secrets.OpenString(*key, sealed, path)
		if err != nil {
			c.fail(path, "sealed value does not open: "+err.Error(), "check the passphrase")
			return "", false
		}
		return v, true
	}
	if text == core.Redacted {
		if v, ok := c.existingSecret(path); ok {
			return v, true
		}
		hint := fmt.Sprintf("give it with --set-secret %s=- (read from stdin) or %s=VALUE", shortSecretPath(path), shortSecretPath(path))
		if strings.Contains(path, ".files.") {
			hint = fmt.Sprintf("give the file with --set-secret %s=@PATH", path)
		}
		c.fail(path, "secret was exported redacted and has no value", hint)
		return "", false
	}
	return text, true
}

// existingSecret is the value of a redacted secret of a file's template
// (templates.NAME.env.KEY or templates.NAME.files.TARGET) taken from the
// user template of that name that already exists, where it is secret too:
// re-importing an export into a home that has the template needs no
// --set-secret for it. The rest of the template must still be identical to
// the existing one, which the import checks before it writes anything.
func (c *converter) existingSecret(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "templates.")
	if !ok {
		return "", false
	}
	name, field, _ := strings.Cut(rest, ".")
	t, ok := c.opt.Templates[name]
	if !ok || t.Builtin {
		return "", false
	}
	if key, ok := strings.CutPrefix(field, "env."); ok {
		if ev, ok := t.Env[key]; ok && ev.Secret {
			return ev.Value, true
		}
	}
	if target, ok := strings.CutPrefix(field, "files."); ok {
		for _, f := range t.Files {
			if f.Target == target && f.Sensitive {
				return f.Content, true
			}
		}
	}
	return "", false
}

var errNoPassphrase = errors.New("secrets are sealed with a passphrase and none was given")

func (c *converter) sealingKey() (*secrets.Key, error) {
	if c.key != nil {
		return c.key, nil
	}
	if c.file.Sealing == nil {
		return nil, errors.New("sealed value but the file has no `sealing:` parameters")
	}
	if c.opt.Passphrase == "" {
		return nil, errNoPassphrase
	}
	k, err := secrets.DeriveKey(c.opt.Passphrase, *c.file.Sealing)
	if err != nil {
		return nil, err
	}
	c.key = &k
	return c.key, nil
}

// setSecret looks a value up by full path or by short "instance.KEY".
func (c *converter) setSecret(path string) (string, bool) {
	for _, k := range []string{path, shortSecretPath(path)} {
		if v, ok := c.opt.SetSecrets[k]; ok {
			c.used[k] = true
			return v, true
		}
	}
	return "", false
}

// shortSecretPath turns instances.api.env.TOKEN into api.TOKEN.
func shortSecretPath(path string) string {
	if rest, ok := strings.CutPrefix(path, "instances."); ok {
		if inst, key, ok := strings.Cut(rest, ".env."); ok {
			return inst + "." + key
		}
	}
	return path
}

func (c *converter) unusedSecrets() {
	for _, k := range keys(c.opt.SetSecrets) {
		if !c.used[k] {
			c.errs = append(c.errs, &core.FieldError{Field: "--set-secret " + k, Rule: "names no secret in the file"})
		}
	}
}
