package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
	"github.com/devarch-dev/devarch/core/plan"
	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

// writeYAML prints v as YAML.
func writeYAML(w io.Writer, v any) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode YAML: %w", err)
	}
	return enc.Close()
}

// printJSONAsYAML prints v's JSON form as YAML, so human output uses the
// same field names as --json.
func printJSONAsYAML(c *cli, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return writeYAML(c.out, generic)
}

func enabledWord(enabled bool) string {
	if enabled {
		return "enabled"
	}
	return "disabled"
}

// warnings makes plain warning messages diagnostics, so they print as every
// other warning does: "devarch: warning: MSG".
func warnings(msgs []string) []core.Diagnostic {
	ds := make([]core.Diagnostic, 0, len(msgs))
	for _, m := range msgs {
		ds = append(ds, core.Diagnostic{Severity: core.SeverityWarning, Message: m})
	}
	return ds
}

// printImport prints the outcome of import and import-compose.
func (c *cli) printImport(res api.ImportResult, asJSON bool) error {
	if asJSON {
		return render.JSON(c.out, res)
	}
	if err := render.Diagnostics(c.errOut, warnings(res.Warnings)); err != nil {
		return err
	}
	if res.Created {
		fmt.Fprintf(c.out, "Created stack %q: %d instance(s)", res.Stack, len(res.Instances))
		if len(res.Templates) > 0 {
			fmt.Fprintf(c.out, ", template(s) %s", strings.Join(res.Templates, ", "))
		}
		fmt.Fprintf(c.out, "\nNext: `%s plan %s`, then `%s apply %s`\n", c.commandName(), res.Stack, c.commandName(), res.Stack)
		return nil
	}
	if res.Unchanged {
		fmt.Fprintf(c.out, "Stack %q already matches the file: nothing to apply.\n", res.Stack)
		return nil
	}
	if res.Plan != nil {
		if err := render.Plan(c.out, *res.Plan, c.color()); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.out, "\nStack %q exists: the import was saved as plan %s\n", res.Stack, res.PlanID)
	flag := ""
	if res.Plan != nil && len(plan.PrivilegesOf(res.Plan.Changes)) > 0 {
		flag = " --allow-privileged"
	}
	fmt.Fprintf(c.out, "Apply it with `%s apply %s --plan %s%s`\n", c.commandName(), res.Stack, res.PlanID, flag)
	return nil
}
