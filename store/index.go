package store

// The cross-stack index (schema.go, since v4): what the checks across
// stacks read (host ports, container names, the join graph) and what
// `stack ls` lists, kept by PutStack, DeleteStack, PutApplied,
// DeleteApplied, PutTemplate and DeleteTemplate in the transaction of the
// write, so that a plan, an edit or an import reads a few small records
// instead of every other stack.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
)

// StackIndex is what the index knows of one stack: its definition's
// instance names, joins, published host ports and templates, and its
// applied snapshot's instance names and joins. A record exists while the
// stack has a definition or an applied snapshot.
type StackIndex struct {
	Defined   bool        `json:"defined,omitempty"`
	Names     []string    `json:"names,omitempty"`     // the definition's instance names
	Joins     []string    `json:"joins,omitempty"`     // the definition's joined stacks
	Ports     []PortClaim `json:"ports,omitempty"`     // host ports its enabled instances publish, when it builds
	Templates []string    `json:"templates,omitempty"` // the templates its instances name

	Applied       bool       `json:"applied,omitempty"`
	AppliedNames  []string   `json:"applied_names,omitempty"`
	AppliedJoins  []string   `json:"applied_joins,omitempty"`
	RuntimeKind   string     `json:"runtime_kind,omitempty"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedSerial uint64     `json:"applied_serial,omitempty"`
}

// PortClaim is a host port an enabled instance of a stack publishes.
type PortClaim struct {
	Stack    string `json:"stack"`
	Instance string `json:"instance"`
	HostIP   string `json:"host_ip,omitempty"`
	Host     int    `json:"host"`
	Protocol string `json:"protocol"` // lowercase, "tcp" when the port names none
}

// Port is the claim as a core.Port (without the container side).
func (c PortClaim) Port() core.Port {
	return core.Port{HostIP: c.HostIP, Host: c.Host, Protocol: c.Protocol}
}

// ContainerOwner is the stack and instance a container name belongs to.
type ContainerOwner struct {
	Stack    string `json:"stack"`
	Instance string `json:"instance"`
}

// StackSummary is one row of `stack ls`.
type StackSummary struct {
	Name          string     `json:"name"`
	Description   string     `json:"description,omitempty"`
	Environment   string     `json:"environment,omitempty"`
	Instances     int        `json:"instances"`
	Serial        uint64     `json:"serial"`
	Lineage       string     `json:"lineage"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedSerial uint64     `json:"applied_serial,omitempty"`
}

// portKey names the record of the claims on one host port and protocol,
// whatever the host IP (a wildcard IP overlaps any other).
func portKey(host int, proto string) string { return strconv.Itoa(host) + "/" + proto }

func protocolOf(p core.Port) string {
	if p.Protocol == "" {
		return "tcp"
	}
	return strings.ToLower(p.Protocol)
}

// getOpt decodes record name of bucket into v; false when there is none.
func (tx *Tx) getOpt(bucket, name string, v any) (bool, error) {
	err := tx.Get(bucket, name, v)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// putOrDelete stores v under name, or removes the record when empty.
func (tx *Tx) putOrDelete(bucket, name string, v any, empty bool) error {
	if !empty {
		return tx.Put(bucket, name, v)
	}
	if err := tx.Delete(bucket, name); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// GetStackIndex reads the index record of stack; false when it has none.
func (tx *Tx) GetStackIndex(stack string) (StackIndex, bool, error) {
	var ix StackIndex
	ok, err := tx.getOpt(bucketStackIndex, stack, &ix)
	return ix, ok, err
}

// PortClaims lists the claims of every stack on host port host with
// protocol proto, whatever their host IP, sorted by stack and instance.
func (tx *Tx) PortClaims(host int, proto string) ([]PortClaim, error) {
	var out []PortClaim
	_, err := tx.getOpt(bucketPorts, portKey(host, strings.ToLower(cmp.Or(proto, "tcp"))), &out)
	return out, err
}

// ContainerOwners lists the stacks and instances whose container is named
// name (more than one only in data stored before clashes were refused),
// sorted by stack.
func (tx *Tx) ContainerOwners(name string) ([]ContainerOwner, error) {
	owners, err := tx.ContainerOwnersOf([]string{name})
	return owners[name], err
}

// ContainerOwnersOf is ContainerOwners of each of names. Container names
// are not indexed by name (each would be a record to rewrite on every
// write of its stack, scattered over the file by its blinded key): a name
// devarch-STACK-INSTANCE can only be made by a stack whose name ends at
// one of its hyphens, so the owners are read from the index records of
// those few stacks, each read once however many names need it.
func (tx *Tx) ContainerOwnersOf(names []string) (map[string][]ContainerOwner, error) {
	type entry struct {
		ix    StackIndex
		found bool
	}
	read := map[string]entry{}
	out := map[string][]ContainerOwner{}
	for _, name := range names {
		rest, ok := strings.CutPrefix(name, core.ProjectName(""))
		if !ok {
			continue
		}
		for i := 1; i < len(rest)-1; i++ {
			if rest[i] != '-' {
				continue
			}
			stack, inst := rest[:i], rest[i+1:]
			e, seen := read[stack]
			if !seen {
				var err error
				if e.ix, e.found, err = tx.GetStackIndex(stack); err != nil {
					return nil, err
				}
				read[stack] = e
			}
			if e.found && slices.Contains(e.ix.Names, inst) {
				out[name] = append(out[name], ContainerOwner{Stack: stack, Instance: inst})
			}
		}
	}
	return out, nil
}

// Joiners lists, sorted, the stacks whose definition or applied snapshot
// joins the network of stack (with or without a definition of their own).
func (tx *Tx) Joiners(stack string) ([]string, error) {
	return tx.setMembers(bucketJoiners, stack)
}

// TemplateUsers lists, sorted, the stacks whose definition names the user
// template name; none for a built-in template (see userTemplates).
func (tx *Tx) TemplateUsers(name string) ([]string, error) {
	return tx.setMembers(bucketTemplateUsers, name)
}

// ListSummaries returns the summary of every stack, sorted by name.
func (tx *Tx) ListSummaries() ([]StackSummary, error) {
	return list[StackSummary](tx, bucketSummaries)
}

// CountStacks is the number of stacks, without opening any.
func (tx *Tx) CountStacks() (int, error) {
	b, err := tx.bucket(bucketStacks)
	if err != nil {
		return 0, err
	}
	n := 0
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n, nil
}

// Templates is every template a stack may use, as the daemon sees them:
// the built-in catalog, then the user's under names it does not take (a
// user template never shadows a built-in one, and is never marked
// built-in).
func (tx *Tx) Templates() (map[string]core.Template, error) {
	out := catalog.Builtin()
	user, err := tx.ListTemplates()
	if err != nil {
		return nil, err
	}
	for _, t := range user {
		if _, ok := out[t.Name]; !ok {
			t.Builtin = false
			out[t.Name] = t
		}
	}
	return out, nil
}

// defined sets ix's definition part from st; tpls are the templates
// (Tx.Templates). A stack that does not build publishes no port, as
// far as the other stacks' checks are concerned.
func (ix *StackIndex) defined(st core.Stack, tpls map[string]core.Template) {
	ix.Defined = true
	ix.Names, ix.Templates, ix.Ports = nil, nil, nil
	for _, inst := range st.Instances {
		ix.Names = append(ix.Names, inst.Name)
		ix.Templates = append(ix.Templates, inst.Template)
	}
	ix.Names = sortedSet(ix.Names)
	ix.Templates = sortedSet(ix.Templates)
	ix.Joins = sortedSet(slices.Clone(st.JoinNetworks))
	d, err := core.Build(st, tpls)
	if err != nil {
		return
	}
	for _, svc := range d.Services {
		if !svc.Enabled {
			continue
		}
		for _, p := range svc.Ports {
			if p.Host == 0 {
				continue
			}
			ix.Ports = append(ix.Ports, PortClaim{Stack: st.Name, Instance: svc.Instance, HostIP: p.HostIP, Host: p.Host, Protocol: protocolOf(p)})
		}
	}
	slices.SortFunc(ix.Ports, comparePortClaims)
	ix.Ports = slices.Compact(ix.Ports)
}

func comparePortClaims(a, b PortClaim) int {
	return cmp.Or(cmp.Compare(a.Stack, b.Stack), cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Host, b.Host),
		cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.HostIP, b.HostIP))
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// userTemplates are the templates ix's stack names that are not built in:
// those template_users tracks. A built-in template changes only with the
// binary, and Open rebuilds the whole index when the catalog differs.
func (ix StackIndex) userTemplates() []string {
	var out []string
	for _, t := range ix.Templates {
		if !catalog.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// allJoins is every stack whose network ix's stack joins.
func (ix StackIndex) allJoins() []string {
	return sortedSet(append(slices.Clone(ix.Joins), ix.AppliedJoins...))
}

// reindexStack stores ix as stack's index record, and updates the records
// keyed by what it names (ports, container names, joined stacks,
// templates) where it differs from old.
func (tx *Tx) reindexStack(stack string, old, ix StackIndex) error {
	if err := tx.reindexPorts(stack, old.Ports, ix.Ports); err != nil {
		return err
	}
	if err := tx.reindexSet(bucketJoiners, stack, old.allJoins(), ix.allJoins()); err != nil {
		return err
	}
	if err := tx.reindexSet(bucketTemplateUsers, stack, old.userTemplates(), ix.userTemplates()); err != nil {
		return err
	}
	return tx.putOrDelete(bucketStackIndex, stack, ix, !ix.Defined && !ix.Applied)
}

func (tx *Tx) reindexPorts(stack string, old, now []PortClaim) error {
	if slices.Equal(old, now) {
		return nil
	}
	keys := map[string]bool{}
	for _, c := range slices.Concat(old, now) {
		keys[portKey(c.Host, c.Protocol)] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		var claims []PortClaim
		if _, err := tx.getOpt(bucketPorts, k, &claims); err != nil {
			return err
		}
		claims = slices.DeleteFunc(claims, func(c PortClaim) bool { return c.Stack == stack })
		for _, c := range now {
			if portKey(c.Host, c.Protocol) == k {
				claims = append(claims, c)
			}
		}
		slices.SortFunc(claims, comparePortClaims)
		if err := tx.putOrDelete(bucketPorts, k, claims, len(claims) == 0); err != nil {
			return err
		}
	}
	return nil
}

// indexStack updates the index after st was stored.
func (tx *Tx) indexStack(st core.Stack) error {
	tpls, err := tx.Templates()
	if err != nil {
		return err
	}
	return tx.indexStackWith(st, tpls)
}

func (tx *Tx) indexStackWith(st core.Stack, tpls map[string]core.Template) error {
	old, _, err := tx.GetStackIndex(st.Name)
	if err != nil {
		return err
	}
	ix := old
	ix.defined(st, tpls)
	if err := tx.reindexStack(st.Name, old, ix); err != nil {
		return err
	}
	return tx.Put(bucketSummaries, st.Name, StackSummary{
		Name: st.Name, Description: st.Description, Environment: st.Environment,
		Instances: len(st.Instances), Serial: st.Serial, Lineage: st.Lineage,
		AppliedAt: ix.AppliedAt, AppliedSerial: ix.AppliedSerial,
	})
}

// unindexStack updates the index after stack's definition was removed.
func (tx *Tx) unindexStack(stack string) error {
	old, _, err := tx.GetStackIndex(stack)
	if err != nil {
		return err
	}
	ix := old
	ix.Defined, ix.Names, ix.Joins, ix.Ports, ix.Templates = false, nil, nil, nil, nil
	if err := tx.reindexStack(stack, old, ix); err != nil {
		return err
	}
	return tx.putOrDelete(bucketSummaries, stack, nil, true)
}

// indexApplied updates the index after stack's applied snapshot was
// stored (ap, on runtime kind) or removed (ap nil).
func (tx *Tx) indexApplied(stack string, ap *Applied, kind string) error {
	old, _, err := tx.GetStackIndex(stack)
	if err != nil {
		return err
	}
	ix := old
	ix.Applied, ix.AppliedNames, ix.AppliedJoins, ix.RuntimeKind, ix.AppliedAt, ix.AppliedSerial = false, nil, nil, "", nil, 0
	if ap != nil {
		ix.Applied, ix.RuntimeKind, ix.AppliedSerial = true, kind, ap.Desired.Serial
		at := ap.AppliedAt
		ix.AppliedAt = &at
		for _, svc := range ap.Desired.Services {
			ix.AppliedNames = append(ix.AppliedNames, svc.Instance)
		}
		ix.AppliedNames = sortedSet(ix.AppliedNames)
		ix.AppliedJoins = sortedSet(slices.Clone(ap.Desired.JoinNetworks))
	}
	if err := tx.reindexStack(stack, old, ix); err != nil {
		return err
	}
	if !ix.Defined {
		return nil
	}
	var sum StackSummary
	if _, err := tx.getOpt(bucketSummaries, stack, &sum); err != nil {
		return err
	}
	sum.AppliedAt, sum.AppliedSerial = ix.AppliedAt, ix.AppliedSerial
	return tx.Put(bucketSummaries, stack, sum)
}

// reindexTemplateUsers rebuilds the index of every stack naming template
// name, after the template changed: its ports are the template's.
func (tx *Tx) reindexTemplateUsers(name string) error {
	users, err := tx.TemplateUsers(name)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return nil
	}
	tpls, err := tx.Templates()
	if err != nil {
		return err
	}
	for _, stack := range users {
		st, err := tx.GetStack(stack)
		if err != nil {
			return fmt.Errorf("reindex user %q of template %q: %w", stack, name, err)
		}
		if err := tx.indexStackWith(st, tpls); err != nil {
			return err
		}
	}
	return nil
}

// rebuildIndex empties the index and builds it again from every stack,
// applied snapshot and runtime binding.
func rebuildIndex(tx *Tx) error {
	for _, b := range indexBuckets {
		if _, err := recreate(tx.btx, b); err != nil {
			return err
		}
	}
	tpls, err := tx.Templates()
	if err != nil {
		return err
	}
	stacks, err := tx.ListStacks()
	if err != nil {
		return err
	}
	for _, st := range stacks {
		if err := tx.indexStackWith(st, tpls); err != nil {
			return err
		}
	}
	err = tx.ForEach(bucketApplied, func(stack string, value []byte) error {
		var ap Applied
		if err := json.Unmarshal(value, &ap); err != nil {
			return fmt.Errorf("decode applied snapshot of stack %q: %w", stack, err)
		}
		kind := ""
		switch b, err := tx.GetBinding(stack); {
		case err == nil:
			kind = b.Kind
		case !IsNotFound(err):
			return err
		}
		return tx.indexApplied(stack, &ap, kind)
	})
	if err != nil {
		return err
	}
	return tx.putCatalogMark()
}

// catalogMark identifies the built-in catalog the index's ports were
// computed with: a binary with other built-in templates rebuilds the index
// at Open (checkCatalogMark).
func catalogMark() ([]byte, error) {
	raw, err := json.Marshal(catalog.Builtin()) // map keys are sorted
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return []byte(hex.EncodeToString(sum[:])), nil
}

func (tx *Tx) putCatalogMark() error {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	mark, err := catalogMark()
	if err != nil {
		return err
	}
	return meta.Put([]byte(keyIndexCatalog), mark)
}

// indexCurrent reports whether the index was built with this binary's
// catalog.
func (tx *Tx) indexCurrent() (bool, error) {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return false, err
	}
	mark, err := catalogMark()
	if err != nil {
		return false, err
	}
	return string(meta.Get([]byte(keyIndexCatalog))) == string(mark), nil
}
