package daemon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("stack")
	var req api.ExportRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	opt := devfile.ExportOptions{Secrets: devfile.Redact}
	switch {
	case req.Passphrase != "" && req.IncludeSecrets:
		writeError(w, errorf(api.CodeInvalid, "choose one of --passphrase-file and --include-secrets",
			"passphrase and include_secrets: the two secret modes exclude each other"))
		return
	case req.Passphrase != "":
		if err := secrets.CheckPassphrase(req.Passphrase); err != nil {
			writeError(w, errorf(api.CodeInvalid, "choose a longer passphrase", "%s", err.Error()))
			return
		}
		opt = devfile.ExportOptions{Secrets: devfile.Seal, Passphrase: req.Passphrase}
	case req.IncludeSecrets:
		opt.Secrets = devfile.Plaintext
	}
	var (
		st   core.Stack
		tpls map[string]core.Template
	)
	err := s.Store.View(func(tx *store.Tx) error {
		var err error
		if st, err = tx.GetStack(name); err != nil {
			return err
		}
		tpls, err = s.templates(tx)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := devfile.Export(st, slices.Collect(maps.Values(tpls)), opt)
	if err != nil {
		writeError(w, fmt.Errorf("export stack %q: %w", name, err))
		return
	}
	s.logger().Info("stack exported", "stack", name, "secrets", exportMode(opt.Secrets))
	writeJSON(w, http.StatusOK, api.FileView{Name: "devarch.yml", Content: string(out)})
}

func exportMode(m devfile.SecretMode) string {
	switch m {
	case devfile.Seal:
		return "sealed"
	case devfile.Plaintext:
		return "plaintext"
	}
	return "redacted"
}

// handleImport validates a whole devarch.yml before writing anything. A new
// stack is created at once; over an existing stack the import becomes a
// saved plan that `apply --plan ID` commits, like any other change.
func (s *Server) handleImport(w http.ResponseWriter, r *http.Request) {
	var req api.ImportRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	var known map[string]core.Template
	if err := s.Store.View(func(tx *store.Tx) error {
		var err error
		known, err = s.templates(tx)
		return err
	}); err != nil {
		writeError(w, err)
		return
	}
	res, err := devfile.Parse([]byte(req.Content), devfile.ParseOptions{
		Passphrase: req.Passphrase,
		SetSecrets: req.SetSecrets,
		Templates:  known,
		StackName:  req.Stack,
	})
	if err != nil {
		writeError(w, err)
		return
	}
	// A key or file the stack's templates mark secret is stored secret,
	// whatever flag the file gave it.
	withFile := importTemplates(known, res.Templates)
	core.InheritStackSecrecy(&res.Stack, withFile)
	name := res.Stack.Name
	peer := PeerFrom(r.Context())
	release, err := s.Locks.Acquire(r.Context(), api.LockInfo{
		Stack: name, Operation: "import", Who: peer.Who, PID: peer.PID, Exclusive: true,
	}, 0)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()

	result := api.ImportResult{Stack: name}
	for _, t := range res.Templates {
		result.Templates = append(result.Templates, t.Name)
	}
	for _, inst := range res.Stack.Instances {
		result.Instances = append(result.Instances, inst.Name)
	}

	var existing *core.Stack
	err = s.Store.Update(func(tx *store.Tx) error {
		cur, err := tx.GetStack(name)
		switch {
		case store.IsNotFound(err):
			if err := putImportedTemplates(tx, res.Templates); err != nil {
				return err
			}
			st := res.Stack
			stampNewStack(&st)
			result.Created = true
			// Checked again against the templates as this transaction sees
			// them, as every other write of a stack is (joins included).
			tpls, err := s.templates(tx)
			if err != nil {
				return err
			}
			if err := prepareStackWrite(tx, &st, tpls, nil); err != nil {
				return err
			}
			return tx.PutStack(st)
		case err != nil:
			return err
		}
		// Over an existing stack the file's templates are stored with the
		// plan, once it is made: a refused import writes nothing.
		if _, err := checkImportedTemplates(tx, res.Templates); err != nil {
			return err
		}
		core.InheritStackSecrecy(&cur, withFile) // compared with the file as it will be stored
		existing = &cur
		return nil
	})
	if err != nil {
		writeError(w, err)
		return
	}
	if existing == nil {
		s.logger().Info("stack imported", "stack", name, "instances", len(result.Instances))
		writeJSON(w, http.StatusCreated, result)
		return
	}

	pending := res.Stack
	pending.Lineage, pending.Serial = existing.Lineage, existing.Serial
	pending.CreatedAt, pending.UpdatedAt = existing.CreatedAt, existing.UpdatedAt
	rt, _, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		writeError(w, err)
		return
	}
	p, err := s.PlanStack(r.Context(), name, rt, &pendingStack{Stack: pending, Templates: res.Templates}, false)
	if err != nil {
		writeError(w, err)
		return
	}
	if p.Empty() && sameDefinition(*existing, pending) {
		result.Unchanged = true
		result.Warnings = plan.Redact(p).Warnings
		writeJSON(w, http.StatusOK, result)
		return
	}
	ttl := time.Duration(req.TTL)
	if ttl <= 0 {
		ttl = defaultPlanTTL
	}
	p.ExpiresAt = p.CreatedAt.Add(ttl)
	if err := s.Store.Update(func(tx *store.Tx) error {
		if err := putImportedTemplates(tx, res.Templates); err != nil {
			return err
		}
		return tx.PutPlan(store.SavedPlan{Plan: p, Stack: &pending})
	}); err != nil {
		writeError(w, fmt.Errorf("save import plan: %w", err))
		return
	}
	result.PlanID = p.ID
	shown := plan.Redact(p)
	result.Plan = &shown
	result.Warnings = shown.Warnings
	s.logger().Info("import planned over existing stack", "stack", name, "plan", p.ID)
	writeJSON(w, http.StatusOK, result)
}

// handleImportCompose turns a compose file into user templates and a new stack.
func (s *Server) handleImportCompose(w http.ResponseWriter, r *http.Request) {
	var req api.ImportComposeRequest
	if err := decodeJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	builtins := catalog.Builtin()
	// req.Environment may hold secrets: it only feeds interpolation and is
	// never logged or stored (the values it gives are, like any value a
	// compose file holds, and env values named like secrets are secret).
	ci, err := devfile.FromCompose([]byte(req.Content), devfile.ComposeOptions{
		Filename: req.Filename, Stack: req.Stack, WorkDir: req.WorkDir,
		Environment: req.Environment, Profiles: req.Profiles, Files: req.Files,
		Builtins: slices.Collect(maps.Values(builtins)),
	})
	if err != nil {
		writeError(w, err)
		return
	}
	peer := PeerFrom(r.Context())
	release, err := s.Locks.Acquire(r.Context(), api.LockInfo{
		Stack: req.Stack, Operation: "import", Who: peer.Who, PID: peer.PID, Exclusive: true,
	}, 0)
	if err != nil {
		writeError(w, err)
		return
	}
	defer release()

	result := api.ImportResult{Stack: req.Stack, Created: true, Warnings: ci.Warnings}
	err = s.Store.Update(func(tx *store.Tx) error {
		if _, err := tx.GetStack(req.Stack); err == nil {
			return errorf(api.CodeConflict, "pick another name with --stack, or `devarch stack rm "+req.Stack+"`",
				"stack %q already exists", req.Stack)
		} else if !store.IsNotFound(err) {
			return err
		}
		if err := putImportedTemplates(tx, ci.Templates); err != nil {
			return err
		}
		tpls, err := s.templates(tx)
		if err != nil {
			return err
		}
		st := ci.Stack
		stampNewStack(&st)
		if err := prepareStackWrite(tx, &st, tpls, nil); err != nil {
			return err
		}
		for _, t := range ci.Templates {
			result.Templates = append(result.Templates, t.Name)
		}
		for _, inst := range st.Instances {
			result.Instances = append(result.Instances, inst.Name)
		}
		return tx.PutStack(st)
	})
	if err != nil {
		writeError(w, err)
		return
	}
	s.logger().Info("compose file imported", "stack", req.Stack, "instances", len(result.Instances))
	writeJSON(w, http.StatusCreated, result)
}

// sameDefinition reports whether two versions of a stack define the same
// thing, whatever their lineage, serial and times.
func sameDefinition(a, b core.Stack) bool {
	for _, st := range []*core.Stack{&a, &b} {
		st.Lineage, st.Serial, st.CreatedAt, st.UpdatedAt = "", 0, time.Time{}, time.Time{}
		core.SortStack(st)
	}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// importTemplates is the templates an imported stack uses: the known ones,
// and the file's own under names not known (putImportedTemplates refuses a
// file template that differs from a known one).
func importTemplates(known map[string]core.Template, file []core.Template) map[string]core.Template {
	out := maps.Clone(known)
	if out == nil {
		out = map[string]core.Template{}
	}
	for _, t := range file {
		if _, ok := out[t.Name]; !ok {
			out[t.Name] = t
		}
	}
	return out
}

// putImportedTemplates stores the user templates a file brings. A template
// that already exists must be identical: an import never silently changes a
// template other stacks may use.
func putImportedTemplates(tx *store.Tx, tpls []core.Template) error {
	missing, err := checkImportedTemplates(tx, tpls)
	if err != nil {
		return err
	}
	for _, t := range missing {
		if err := tx.PutTemplate(t); err != nil {
			return err
		}
	}
	return nil
}

// checkImportedTemplates checks the templates a file brings against the
// store, writing nothing, and returns those the store does not have yet.
func checkImportedTemplates(tx *store.Tx, tpls []core.Template) ([]core.Template, error) {
	builtins := catalog.Builtin()
	var missing []core.Template
	for _, t := range tpls {
		if _, ok := builtins[t.Name]; ok {
			return nil, &core.FieldError{Field: "templates." + t.Name, Rule: "shadows a built-in template; rename it"}
		}
		if err := core.ValidateTemplate(t); err != nil {
			return nil, err
		}
		cur, err := tx.GetTemplate(t.Name)
		switch {
		case store.IsNotFound(err):
			missing = append(missing, t)
		case err != nil:
			return nil, err
		case !reflect.DeepEqual(normalizeTemplate(cur), normalizeTemplate(t)):
			return nil, errorf(api.CodeConflict,
				"compare with `devarch template show "+t.Name+"`; replace it with `devarch template add -f FILE --replace`",
				"template %q already exists with a different definition (%s differ)", t.Name, strings.Join(templateDiff(cur, t), ", "))
		}
	}
	return missing, nil
}

// templateDiff names the fields in which two templates differ, never their
// values (they may be secret).
func templateDiff(a, b core.Template) []string {
	va, vb := reflect.ValueOf(normalizeTemplate(a)), reflect.ValueOf(normalizeTemplate(b))
	var out []string
	for i := range va.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			name, _, _ := strings.Cut(va.Type().Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
	}
	return out
}

// normalizeTemplate makes nil and empty collections compare equal.
func normalizeTemplate(t core.Template) core.Template {
	t.Builtin = false
	// Files are a set keyed by target: their order carries no meaning.
	t.Files = slices.Clone(t.Files)
	slices.SortFunc(t.Files, func(a, b core.ConfigFile) int { return strings.Compare(a.Target, b.Target) })
	if len(t.Env) == 0 {
		t.Env = nil
	}
	if len(t.Labels) == 0 {
		t.Labels = nil
	}
	for _, p := range []*[]string{&t.Command, &t.Entrypoint, &t.Domains} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	if len(t.Ports) == 0 {
		t.Ports = nil
	}
	if len(t.Volumes) == 0 {
		t.Volumes = nil
	}
	if len(t.Files) == 0 {
		t.Files = nil
	}
	if len(t.Exports) == 0 {
		t.Exports = nil
	}
	if len(t.Imports) == 0 {
		t.Imports = nil
	}
	return t
}
