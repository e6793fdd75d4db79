package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/plugin/client"
)

// arg is what a positional argument names, for shell completion.
type arg int

const (
	argOther    arg = iota // nothing to offer: a new name, a file, a field
	argStack               // a stack
	argInstance            // an instance of the stack named by the first argument
	argTemplate            // a template
	argJob                 // a job
)

// completionTimeout bounds the daemon's answer to one completion request.
const completionTimeout = 2 * time.Second

// completeArgs completes the positional arguments of a command: argument i
// with the names of kinds[i], asked of a running daemon (completion never
// starts one). Arguments past kinds get nothing.
func (c *cli) completeArgs(kinds ...arg) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		// With --stack the arguments start after STACK.
		if f := cmd.Flags().Lookup("stack"); f != nil && f.Changed && kinds[0] == argStack {
			if len(args) >= len(kinds)-1 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return c.complete(cmd.Context(), kinds[len(args)+1], f.Value.String(), toComplete), cobra.ShellCompDirectiveNoFileComp
		}
		if len(args) >= len(kinds) {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		stack := ""
		if len(args) > 0 {
			stack = args[0]
		}
		out := c.complete(cmd.Context(), kinds[len(args)], stack, toComplete)
		// The first argument may also be the second one of the default
		// stack (an instance of the devarch.yml's stack, say).
		if len(args) == 0 && len(kinds) > 1 && kinds[0] == argStack && cmd.Flags().Lookup("stack") != nil {
			if src, ok, err := c.defaultStack(""); err == nil && ok {
				out = append(out, c.complete(cmd.Context(), kinds[1], src.name, toComplete)...)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeFlag completes a flag's value with the names of kind.
func (c *cli) completeFlag(kind arg) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return c.complete(cmd.Context(), kind, "", toComplete), cobra.ShellCompDirectiveNoFileComp
	}
}

// complete lists the names of kind starting with prefix, each with a short
// description; nothing when no daemon answers.
func (c *cli) complete(ctx context.Context, kind arg, stack, prefix string) []cobra.Completion {
	if kind == argOther {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	cl := client.New(client.SocketPath(c.home))
	var names, descs []string
	add := func(name, desc string) {
		if strings.HasPrefix(name, prefix) {
			names, descs = append(names, name), append(descs, desc)
		}
	}
	switch kind {
	case argStack:
		stacks, err := cl.Stacks(ctx)
		if err != nil {
			return nil
		}
		for _, s := range stacks {
			add(s.Name, s.Description)
		}
	case argInstance:
		instances, err := cl.Instances(ctx, stack)
		if err != nil {
			return nil
		}
		for _, in := range instances {
			add(in.Name, "instance of "+in.Template)
		}
	case argTemplate:
		templates, err := cl.Templates(ctx)
		if err != nil {
			return nil
		}
		for _, t := range templates {
			add(t.Name, t.Description)
		}
	case argJob:
		jobs, err := cl.Jobs(ctx)
		if err != nil {
			return nil
		}
		for _, j := range jobs {
			add(j.ID, fmt.Sprintf("%s %s, %s", j.Operation, j.Stack, j.State))
		}
	}
	out := make([]cobra.Completion, len(names))
	for i := range names {
		out[i] = cobra.CompletionWithDesc(names[i], descs[i])
	}
	return out
}

// completionShells are the shells `completion` writes a script for.
var completionShells = []string{"bash", "zsh", "fish"}

// newCompletionCommand writes the shell completion script of root, the
// devarch command: the script asks the binary itself (`devarch __complete
// ...`), which completes commands, flags, and stack, instance, template and
// job names from the running daemon.
func newCompletionCommand(root *cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion SHELL",
		Short: "Print the shell completion script (bash, zsh or fish)",
		Long: "Print the shell completion script for bash, zsh or fish. Load it in the current shell with\n" +
			"  source <(devarch completion bash)\n" +
			"or install it where the shell looks for completions. `docker devarch` completes through\n" +
			"the docker CLI's own completion.",
		ValidArgs: completionShells,
		Args:      exactArgs("SHELL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return withHint(fieldErr("SHELL", fmt.Sprintf("%q is not supported; want one of %s", args[0], strings.Join(completionShells, ", "))),
				"see `"+cmd.CommandPath()+" --help`")
		},
	}
	return cmd
}

// argKinds says what the positional arguments of each command name, by
// its path below the root; commands not listed complete no arguments.
var argKinds = map[string][]arg{
	"apply":              {argStack},
	"build":              {argStack, argInstance},
	"pull":               {argStack, argInstance},
	"config":             {argStack},
	"destroy":            {argStack},
	"down":               {argStack},
	"export":             {argStack},
	"lock":               {argStack},
	"logs":               {argStack, argInstance},
	"exec":               {argStack, argInstance},
	"run":                {argStack, argInstance},
	"port":               {argStack, argInstance},
	"stop":               {argStack, argInstance},
	"start":              {argStack, argInstance},
	"restart":            {argStack, argInstance},
	"stack copy":         {argStack},
	"plan":               {argStack},
	"ps":                 {argStack},
	"unlock":             {argStack},
	"wire":               {argStack},
	"unwire":             {argStack},
	"wires":              {argStack},
	"stack show":         {argStack},
	"stack set":          {argStack},
	"stack rm":           {argStack},
	"instance ls":        {argStack},
	"instance add":       {argStack},
	"instance show":      {argStack, argInstance},
	"instance set":       {argStack, argInstance},
	"instance reset":     {argStack, argInstance},
	"instance rm":        {argStack, argInstance},
	"instance rename":    {argStack, argInstance},
	"instance duplicate": {argStack, argInstance},
	"template show":      {argTemplate},
	"template rm":        {argTemplate},
	"jobs attach":        {argJob},
	"jobs cancel":        {argJob},
}

// flagKinds says what the values of some flags name, by command path and flag.
var flagKinds = map[[2]string]arg{
	{"instance add", "template"}: argTemplate,
}

// addCompletions gives every command of root the completion of its
// arguments and flags that name stacks, instances, templates or jobs.
func (c *cli) addCompletions(root *cobra.Command) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), root.Name()), " ")
		if kinds, ok := argKinds[path]; ok {
			cmd.ValidArgsFunction = c.completeArgs(kinds...)
		} else if cmd.ValidArgsFunction == nil && cmd.ValidArgs == nil {
			cmd.ValidArgsFunction = cobra.NoFileCompletions
		}
		for key, kind := range flagKinds {
			if key[0] == path {
				if err := cmd.RegisterFlagCompletionFunc(key[1], c.completeFlag(kind)); err != nil {
					panic(fmt.Sprintf("completion of %s --%s: %v", path, key[1], err))
				}
			}
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
