package core

import (
	"fmt"
	"strings"
)

// NameRule is the rule every stack, instance and template name follows.
const NameRule = "must be a DNS label: 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit (^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$)"

// MaxContainerName is the longest container name devarch creates.
const MaxContainerName = 63

var (
	dnsLabelRE    = lazyRegexp(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	userTypeRE    = lazyRegexp(`^x-[a-z0-9][a-z0-9-]*$`)
	envKeyRE      = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_.-]*$`)
	prefixRE      = lazyRegexp(`^[A-Z_][A-Z0-9_]*$`)
	contractRE    = lazyRegexp(`^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$`)
	volumeNameRE  = lazyRegexp(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
	registryRE    = lazyRegexp(`^(?:localhost|\[[0-9a-fA-F:]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]{1,5})?$`)
	repoPartRE    = lazyRegexp(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	tagRE         = lazyRegexp(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE      = lazyRegexp(`^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$`)
	restartRE     = lazyRegexp(`^(no|always|unless-stopped|on-failure(:[1-9][0-9]{0,8})?)$`)
	domainLabelRE = lazyRegexp(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	aliasRE       = lazyRegexp(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$`)
	buildTargetRE = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// Valid reports whether t is a built-in contract type or a user type
// ("x-" followed by lowercase letters, digits and '-').
func (t ContractType) Valid() bool {
	for _, k := range ContractTypes {
		if t == k {
			return true
		}
	}
	return t.User()
}

// User reports whether t is a user-declared contract type ("x-...").
func (t ContractType) User() bool { return userTypeRE().MatchString(string(t)) }

func contractTypeRule(t ContractType) string {
	names := make([]string, len(ContractTypes))
	for i, k := range ContractTypes {
		names[i] = string(k)
	}
	return fmt.Sprintf("unknown contract type %q: want one of %s, or a user type like x-myproto (^x-[a-z0-9][a-z0-9-]*$)",
		t, strings.Join(names, ", "))
}

// ValidateName checks that name is a DNS label; field names it in the error.
func ValidateName(field, name string) error {
	if name == "" {
		return Errf(field, "is required; "+NameRule)
	}
	if !dnsLabelRE().MatchString(name) {
		return Errf(field, fmt.Sprintf("%q %s", name, NameRule))
	}
	return nil
}

// ValidateStackName checks a stack name: a DNS label short enough that
// devarch-{stack}-net and a one-letter instance's container name fit in 63
// characters.
func ValidateStackName(name string) error {
	if err := ValidateName("stack.name", name); err != nil {
		return err
	}
	if n := len(ContainerName(name, "x")); n > MaxContainerName {
		return Errf("stack.name", fmt.Sprintf("%q is too long: container names devarch-%s-{instance} would be at least %d characters; the limit is %d",
			name, name, n, MaxContainerName))
	}
	return nil
}

// ValidateInstanceName checks an instance name: a DNS label, and the
// container name devarch-{stack}-{instance} must fit in 63 characters.
func ValidateInstanceName(stack, name string) error {
	field := "instances." + name
	if name == "" {
		field = "instances"
	}
	if err := ValidateName(field, name); err != nil {
		return err
	}
	if n := len(ContainerName(stack, name)); n > MaxContainerName {
		return Errf(field, fmt.Sprintf("container name %q is %d characters; the limit is %d: shorten the stack or instance name",
			ContainerName(stack, name), n, MaxContainerName))
	}
	return nil
}

// ValidateImage checks that ref is a fully qualified image reference:
// registry host (with a '.' or ':' or "localhost"), repository, and a tag or
// digest, e.g. docker.io/library/postgres:16.
func ValidateImage(field, ref string) error {
	if p := imageProblem(ref); p != "" {
		return Errf(field, p)
	}
	return nil
}

const imageRule = "want a fully qualified reference REGISTRY/REPOSITORY:TAG or REGISTRY/REPOSITORY@DIGEST, e.g. docker.io/library/postgres:16"

func imageProblem(ref string) string {
	if ref == "" {
		return "is required; " + imageRule
	}
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestRE().MatchString(digest) {
		return fmt.Sprintf("image %q has an invalid digest %q: want ALGORITHM:HEX, e.g. sha256:<64 hex digits>", ref, digest)
	}
	slash := strings.IndexByte(name, '/')
	if slash < 0 {
		return fmt.Sprintf("image %q is not fully qualified: it names no registry; %s", ref, imageRule)
	}
	host, rest := name[:slash], name[slash+1:]
	if host != "localhost" && !strings.ContainsAny(host, ".:") || !registryRE().MatchString(host) {
		return fmt.Sprintf("image %q is not fully qualified: %q is not a registry host (it needs a '.' or a port, or is \"localhost\"); %s", ref, host, imageRule)
	}
	repo, tag := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		repo, tag = rest[:i], rest[i+1:]
		if !tagRE().MatchString(tag) {
			return fmt.Sprintf("image %q has an invalid tag %q: up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'", ref, tag)
		}
	}
	for _, part := range strings.Split(repo, "/") {
		if !repoPartRE().MatchString(part) {
			return fmt.Sprintf("image %q has an invalid repository %q: lowercase letters and digits separated by '.', '_', '__' or '-', in '/'-separated parts", ref, repo)
		}
	}
	if tag == "" && !hasDigest {
		return fmt.Sprintf("image %q has no tag or digest; %s", ref, imageRule)
	}
	return ""
}

// ValidateTag checks an image tag override: a tag or a digest.
func ValidateTag(field, tag string) error {
	if tagRE().MatchString(tag) || digestRE().MatchString(tag) {
		return nil
	}
	return Errf(field, fmt.Sprintf("%q is not a tag (up to 128 letters, digits, '_', '.', '-') or a digest (sha256:<hex>)", tag))
}

// ValidateTemplate checks every field of t. Errors are FieldErrors whose
// fields start with "templates.{name}.".
func ValidateTemplate(t Template) error {
	c := &checker{}
	base := "templates." + t.Name + "."
	if err := ValidateName(base+"name", t.Name); err != nil {
		c.errs = append(c.errs, err.(*FieldError))
	}
	c.size(base+"description", "description", len(t.Description), MaxDescription)
	switch {
	case t.Build != nil && t.Image != "":
		c.add(base+"image", "is not used by a template that builds: the build tags and runs build.image (default devarch-{stack}-{instance}:latest); move the name there")
	case t.Build == nil:
		if p := imageProblem(t.Image); p != "" {
			c.add(base+"image", p)
		}
	}
	c.build(base+"build", t.Build)
	c.args(base+"command", t.Command)
	c.args(base+"entrypoint", t.Entrypoint)
	c.user(base+"user", t.User)
	c.restart(base+"restart", t.Restart, false)
	c.env(base+"env", t.Env)
	c.labels(base+"labels", t.Labels)
	c.ports(base+"ports", t.Ports)
	c.volumes(base+"volumes", t.Volumes)
	c.healthcheck(base+"healthcheck", t.Healthcheck)
	seen := map[string]int{}
	for i, f := range t.Files {
		field := fmt.Sprintf("%sfiles[%d]", base, i)
		c.file(field, f)
		if j, dup := seen[f.Target]; dup && f.Target != "" {
			c.add(field+".target", fmt.Sprintf("duplicate target %q (also files[%d]): each file needs its own target", f.Target, j))
		}
		seen[f.Target] = i
		for j, g := range t.Files[:i] {
			if p := fileNesting(f.Target, g.Target); p != "" {
				c.add(field+".target", fmt.Sprintf("%s (files[%d])", p, j))
			}
		}
	}
	for i, f := range t.Files {
		for j, v := range t.Volumes {
			if f.Target != "" && v.Target == f.Target {
				c.add(fmt.Sprintf("%sfiles[%d].target", base, i), mountClash(f.Target, fmt.Sprintf("%svolumes[%d]", base, j)))
			}
		}
	}
	c.domains(base+"domains", t.Domains)
	c.replicas(base+"replicas", t.Replicas, t.Ports)
	c.exports(base+"exports", t.Exports, t.Ports, t.Env, true)
	c.imports(base+"imports", t.Imports)
	return c.errs.Err()
}
