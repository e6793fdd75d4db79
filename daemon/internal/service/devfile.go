package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"time"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
	"github.com/devarch-dev/devarch/core/devfile"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/daemon/internal/state"
	"github.com/devarch-dev/devarch/secrets"
	"github.com/devarch-dev/devarch/store"
)

// Export writes stack name as a devarch.yml, its secrets redacted, sealed
// with req.Passphrase, or in plaintext with req.IncludeSecrets.
func (s *Service) Export(name string, req api.ExportRequest) (api.FileView, error) {
	opt := devfile.ExportOptions{Secrets: devfile.Redact}
	switch {
	case req.Passphrase != "" && req.IncludeSecrets:
		return api.FileView{}, errorf(api.CodeInvalid, "choose one of --passphrase-file and --include-secrets",
			"passphrase and include_secrets: the two secret modes exclude each other")
	case req.Passphrase != "":
		if err := secrets.CheckPassphrase(req.Passphrase); err != nil {
			return api.FileView{}, errorf(api.CodeInvalid, "choose a longer passphrase", "%s", err.Error())
		}
		opt = devfile.ExportOptions{Secrets: devfile.Seal, Passphrase: req.Passphrase}
	case req.IncludeSecrets:
		opt.Secrets = devfile.Plaintext
	}
	if req.Dir != "" && !filepath.IsAbs(req.Dir) {
		return api.FileView{}, core.Errf("dir", fmt.Sprintf("%q is not an absolute directory", req.Dir))
	}
	opt.Dir = req.Dir
	var (
		st   core.Stack
		tpls map[string]core.Template
	)
	err := s.store.View(func(tx *store.Tx) error {
		var err error
		if st, err = tx.GetStack(name); err != nil {
			return err
		}
		tpls, err = state.Templates(tx)
		return err
	})
	if err != nil {
		return api.FileView{}, err
	}
	out, err := devfile.Export(st, slices.Collect(maps.Values(tpls)), opt)
	if err != nil {
		return api.FileView{}, fmt.Errorf("export stack %q: %w", name, err)
	}
	s.log.Info("stack exported", "stack", name, "secrets", exportMode(opt.Secrets))
	return api.FileView{Name: "devarch.yml", Content: string(out)}, nil
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

// Import validates a whole devarch.yml before writing anything. A new
// stack is created at once (result.Created); over an existing stack the
// import becomes a saved plan that `apply --plan ID` commits, like any
// other change.
func (s *Service) Import(ctx context.Context, c Caller, req api.ImportRequest) (api.ImportResult, error) {
	var known map[string]core.Template
	if err := s.store.View(func(tx *store.Tx) error {
		var err error
		known, err = state.Templates(tx)
		return err
	}); err != nil {
		return api.ImportResult{}, err
	}
	if req.Dir != "" && !filepath.IsAbs(req.Dir) {
		return api.ImportResult{}, core.Errf("dir", fmt.Sprintf("%q is not an absolute directory", req.Dir))
	}
	res, err := devfile.Parse([]byte(req.Content), devfile.ParseOptions{
		Passphrase: req.Passphrase,
		SetSecrets: req.SetSecrets,
		Templates:  known,
		StackName:  req.Stack,
		Dir:        req.Dir,
	})
	if err != nil {
		return api.ImportResult{}, err
	}
	// A key or file the stack's templates mark secret is stored secret,
	// whatever flag the file gave it.
	withFile := importTemplates(known, res.Templates)
	core.InheritStackSecrecy(&res.Stack, withFile)
	name := res.Stack.Name
	release, err := s.locks.Acquire(ctx, api.LockInfo{
		Stack: name, Operation: "import", Who: c.Who, PID: c.PID, Exclusive: true,
	}, 0)
	if err != nil {
		return api.ImportResult{}, err
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
	err = s.store.Update(func(tx *store.Tx) error {
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
			tpls, err := state.Templates(tx)
			if err != nil {
				return err
			}
			if err := state.PrepareWrite(tx, &st, tpls, nil); err != nil {
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
		return api.ImportResult{}, err
	}
	if existing == nil {
		s.log.Info("stack imported", "stack", name, "instances", len(result.Instances))
		return result, nil
	}

	pending := res.Stack
	pending.Lineage, pending.Serial = existing.Lineage, existing.Serial
	pending.CreatedAt, pending.UpdatedAt = existing.CreatedAt, existing.UpdatedAt
	// A stop is intent the file does not carry: an instance the user
	// stopped stays stopped over the import.
	for i := range pending.Instances {
		if had, ok := existing.Instance(pending.Instances[i].Name); ok {
			pending.Instances[i].Stopped = had.Stopped
		}
	}
	rt, _, err := s.openStackRuntime(name, req.Runtime)
	if err != nil {
		return api.ImportResult{}, err
	}
	p, err := s.planStack(ctx, name, rt, &pendingStack{Stack: pending, Templates: res.Templates}, false)
	if err != nil {
		return api.ImportResult{}, err
	}
	if p.Empty() && sameDefinition(*existing, pending) {
		result.Unchanged = true
		result.Warnings = plan.Redact(p).Warnings
		return result, nil
	}
	ttl := time.Duration(req.TTL)
	if ttl <= 0 {
		ttl = defaultPlanTTL
	}
	p.ExpiresAt = p.CreatedAt.Add(ttl)
	if err := s.store.Update(func(tx *store.Tx) error {
		if err := putImportedTemplates(tx, res.Templates); err != nil {
			return err
		}
		_, err := tx.SavePlan(store.SavedPlan{Plan: p, Stack: &pending}, time.Now())
		return err
	}); err != nil {
		return api.ImportResult{}, fmt.Errorf("save import plan: %w", err)
	}
	result.PlanID = p.ID
	shown := plan.Redact(p)
	result.Plan = &shown
	result.Warnings = shown.Warnings
	s.log.Info("import planned over existing stack", "stack", name, "plan", p.ID)
	return result, nil
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
		default:
			if diff := state.TemplateDiff(cur, t); len(diff) > 0 {
				return nil, templateConflict(&state.TemplateConflict{Name: t.Name, Fields: diff})
			}
		}
	}
	return missing, nil
}

// templateConflict is the API error of a template an import may not change.
func templateConflict(c *state.TemplateConflict) error {
	hint := "compare with `devarch template show " + c.Name + "`; replace it with `devarch template add -f FILE --replace`"
	if len(c.Users) > 0 {
		hint = "import under another stack name with --stack, or remove the other stacks' instances of " + c.Name
	}
	return errorf(api.CodeConflict, hint, "%s", c.Error())
}
