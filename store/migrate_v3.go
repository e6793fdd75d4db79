package store

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/catalog"
)

// migrateV3 rewrites the record shapes of schema 2 once, so that nothing
// reading the store needs to know them:
//
//   - an applied snapshot's runtime moves to its own record in the new
//     bindings bucket; a snapshot recorded before runtimes were (no kind)
//     gets no binding, which binds the stack to nothing;
//   - a saved plan without a runtime kind gets the one its runtime
//     description names ("docker compose v2 (...)", "podman ... via ...");
//     one that names none and was never applied is removed (it cannot be
//     told which engine's containers it assumed; planning again makes a
//     new one);
//   - an override of a key or file its template marks secret is marked
//     secret too (core.InheritSecrecy), in stacks and in the definitions
//     import plans carry, as every write has done since.
//
// The applied and plan records are rewritten as JSON objects, so fields
// this migration does not touch keep their bytes.
func migrateV3(tx *Tx) error {
	if _, err := tx.btx.CreateBucketIfNotExists([]byte(bucketBindings)); err != nil {
		return fmt.Errorf("create bucket %s: %w", bucketBindings, err)
	}
	if err := moveBindings(tx); err != nil {
		return err
	}
	tpls, err := templatesV3(tx)
	if err != nil {
		return err
	}
	if err := migratePlansV3(tx, tpls); err != nil {
		return err
	}
	return inheritStackSecrecyV3(tx, tpls)
}

// jsonObject is a record decoded one level deep.
type jsonObject map[string]json.RawMessage

func records(tx *Tx, bucket string) (map[string]jsonObject, error) {
	out := map[string]jsonObject{}
	err := tx.ForEach(bucket, func(name string, value []byte) error {
		var obj jsonObject
		if err := json.Unmarshal(value, &obj); err != nil {
			return fmt.Errorf("decode %s %q: %w", noun(bucket), name, err)
		}
		out[name] = obj
		return nil
	})
	return out, err
}

func moveBindings(tx *Tx) error {
	applied, err := records(tx, bucketApplied)
	if err != nil {
		return err
	}
	for stack, ap := range applied {
		var rt RuntimeBinding
		if raw, ok := ap["runtime"]; ok {
			if err := json.Unmarshal(raw, &rt); err != nil {
				return fmt.Errorf("decode runtime of applied snapshot of stack %q: %w", stack, err)
			}
			delete(ap, "runtime")
		}
		if rt.Kind != "" {
			if err := tx.Put(bucketBindings, stack, rt); err != nil {
				return err
			}
		}
		if err := tx.Put(bucketApplied, stack, ap); err != nil {
			return err
		}
	}
	return nil
}

// templatesV3 is every template a stack may use, as the daemon sees them:
// the built-in catalog, then the user's under names it does not take.
func templatesV3(tx *Tx) (map[string]core.Template, error) {
	out := catalog.Builtin()
	user, err := tx.ListTemplates()
	if err != nil {
		return nil, err
	}
	for _, t := range user {
		if _, ok := out[t.Name]; !ok {
			out[t.Name] = t
		}
	}
	return out, nil
}

func inheritStackSecrecyV3(tx *Tx, tpls map[string]core.Template) error {
	stacks, err := tx.ListStacks()
	if err != nil {
		return err
	}
	for _, st := range stacks {
		if core.InheritStackSecrecy(&st, tpls) {
			// The record only: the index comes with schema 4.
			if err := tx.Put(bucketStacks, st.Name, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// runtimeKindOf is the kind of engine a plan's runtime description names,
// or "" when it names none.
func runtimeKindOf(desc string) string {
	switch {
	case strings.HasPrefix(desc, "docker compose"):
		return "docker"
	case strings.HasPrefix(desc, "podman"):
		return "podman"
	}
	return ""
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

func migratePlansV3(tx *Tx, tpls map[string]core.Template) error {
	plans, err := records(tx, bucketPlans)
	if err != nil {
		return err
	}
	for id, sp := range plans {
		var p jsonObject
		if err := json.Unmarshal(sp["plan"], &p); err != nil {
			return fmt.Errorf("decode plan %q: %w", id, err)
		}
		var kind, desc string
		if raw, ok := p["runtime_kind"]; ok {
			if err := json.Unmarshal(raw, &kind); err != nil {
				return fmt.Errorf("decode runtime kind of plan %q: %w", id, err)
			}
		}
		if kind == "" {
			if raw, ok := p["runtime"]; ok {
				if err := json.Unmarshal(raw, &desc); err != nil {
					return fmt.Errorf("decode runtime of plan %q: %w", id, err)
				}
			}
			kind = runtimeKindOf(desc)
			switch {
			case kind != "":
				p["runtime_kind"], _ = json.Marshal(kind)
				if sp["plan"], err = json.Marshal(p); err != nil {
					return fmt.Errorf("encode plan %q: %w", id, err)
				}
			case isNull(sp["applied_at"]) && isNull(p["applied_at"]):
				if err := tx.Delete(bucketPlans, id); err != nil {
					return err
				}
				continue
			}
		}
		if !isNull(sp["stack"]) {
			var st core.Stack
			if err := json.Unmarshal(sp["stack"], &st); err != nil {
				return fmt.Errorf("decode stack of plan %q: %w", id, err)
			}
			if core.InheritStackSecrecy(&st, tpls) {
				if sp["stack"], err = json.Marshal(st); err != nil {
					return fmt.Errorf("encode stack of plan %q: %w", id, err)
				}
			}
		}
		if err := tx.Put(bucketPlans, id, sp); err != nil {
			return err
		}
	}
	return nil
}
