package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v4"

	"github.com/devarch-dev/devarch/core"
)

// envStack names the default stack in the environment.
const envStack = "DEVARCH_STACK"

// devfileNames are the names of a project's devarch.yml, in the order they
// are looked for in each directory.
var devfileNames = []string{"devarch.yml", "devarch.yaml"}

// stackSource is where a default stack came from.
type stackSource struct {
	name string
	from string // "--stack", "DEVARCH_STACK", or the devarch.yml's path
}

// defaultStack is the stack a command that takes STACK uses when the
// argument is left out: --stack (flag, "" when not given), then
// $DEVARCH_STACK, then the stack a devarch.yml in the current directory or
// a parent names. ok is false when none names one.
func (c *cli) defaultStack(flag string) (src stackSource, ok bool, err error) {
	if flag != "" {
		return stackSource{name: flag, from: "--stack"}, true, nil
	}
	if v := c.getenv(envStack); v != "" {
		return stackSource{name: v, from: envStack}, true, nil
	}
	wd, err := c.workDir()
	if err != nil {
		return stackSource{}, false, nil // no directory to search: no default
	}
	path, found, err := findDevfile(wd)
	if err != nil || !found {
		return stackSource{}, false, err
	}
	name, err := devfileStackName(path)
	if err != nil {
		return stackSource{}, false, err
	}
	return stackSource{name: name, from: path}, true, nil
}

// workDir is the directory devarch.yml is looked for from.
func (c *cli) workDir() (string, error) {
	if c.getwd != nil {
		return c.getwd()
	}
	return os.Getwd()
}

// findDevfile looks for a devarch.yml in dir, then in each parent up to the
// filesystem root, as docker compose looks for its file.
func findDevfile(dir string) (path string, found bool, err error) {
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", false, err
	}
	for {
		for _, name := range devfileNames {
			p := filepath.Join(dir, name)
			fi, err := os.Stat(p)
			switch {
			case err == nil && !fi.IsDir():
				return p, true, nil
			case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, fs.ErrPermission):
				return "", false, fmt.Errorf("look for %s: %w", p, err)
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false, nil
		}
		dir = parent
	}
}

// devfileStackName reads the stack name of a devarch.yml: stack.name (or,
// in a version 0 file, the top-level name).
func devfileStackName(path string) (string, error) {
	b, err := readSmallFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	var doc struct {
		Stack struct {
			Name string `yaml:"name"`
		} `yaml:"stack"`
		Name string `yaml:"name"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return "", withHint(fmt.Errorf("%s: %w", path, err), "fix the file, or name the stack with --stack or "+envStack)
	}
	name := doc.Stack.Name
	if name == "" {
		name = doc.Name
	}
	if name == "" {
		return "", withHint(fmt.Errorf("%s: stack.name: is missing", path), "name the stack in the file, or give it with --stack or "+envStack)
	}
	if err := core.ValidateStackName(name); err != nil {
		return "", fmt.Errorf("%s: stack.name: %w", path, err)
	}
	return name, nil
}

// takeStack makes cmd, whose first argument is STACK, take the stack from
// --stack/-s, $DEVARCH_STACK or the devarch.yml of the current directory
// (or a parent) when the argument is left out: an argument beats --stack,
// which beats the environment, which beats the file. cmd.Args keeps
// checking the arguments with STACK in front; the stack is put there
// before cmd.RunE runs. A stack taken from the environment or a file is
// named on stderr, so it is never a surprise.
func (c *cli) takeStack(cmd *cobra.Command) {
	validate, run := cmd.Args, cmd.RunE
	var flag string
	cmd.Flags().StringVarP(&flag, "stack", "s", "", "the stack, when STACK is left out (default $"+envStack+", else the devarch.yml of this directory or a parent)")
	if err := cmd.RegisterFlagCompletionFunc("stack", c.completeFlag(argStack)); err != nil {
		panic(fmt.Sprintf("completion of %s --stack: %v", cmd.CommandPath(), err))
	}
	cmd.Use = optionalFirstArg(cmd.Use)
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		full, err := c.stackArgs(cmd, validate, flag, args)
		if err != nil {
			return err
		}
		return run(cmd, full)
	}
}

// stackArgs is args with STACK in front: args as given when they start with
// it, else the default stack and args. When both readings fit (a command
// with optional arguments after STACK, like logs), args start after STACK
// when --stack was given, or when a default stack exists and the first
// argument names no stack (`logs db` in a project's directory).
func (c *cli) stackArgs(cmd *cobra.Command, validate cobra.PositionalArgs, flag string, args []string) ([]string, error) {
	asGiven := validate(cmd, args)
	withDefault := validate(cmd, append([]string{"STACK"}, args...))
	if asGiven == nil && (flag == "" || withDefault != nil) {
		if withDefault != nil || len(args) == 0 {
			return args, nil
		}
		if _, ok, err := c.defaultStack(""); err != nil || !ok || c.stackExists(cmd.Context(), args[0]) == nil {
			return args, nil
		}
	}
	if withDefault != nil {
		return nil, asGiven
	}
	src, ok, err := c.defaultStack(flag)
	if err != nil {
		return nil, err
	}
	if !ok {
		if asGiven != nil && len(args) == 0 {
			return nil, withHint(errors.New(asGiven.Error()),
				"give the stack as the first argument, with --stack, in $"+envStack+", or run devarch in a directory with a devarch.yml")
		}
		return nil, asGiven
	}
	if src.from != "--stack" {
		fmt.Fprintf(c.errOut, "devarch: using stack %q from %s\n", src.name, src.from)
	}
	return append([]string{src.name}, args...), nil
}

// optionalFirstArg marks the first argument of a usage line optional:
// "plan STACK" becomes "plan [STACK]".
func optionalFirstArg(use string) string {
	name, rest, ok := strings.Cut(use, " ")
	if !ok {
		return use
	}
	first, tail, _ := strings.Cut(rest, " ")
	if strings.HasPrefix(first, "[") {
		return use
	}
	return strings.TrimSpace(name + " [" + first + "] " + tail)
}

// noStackDefault are the commands whose first argument names a stack but
// that take no default: removing a definition asks no question, so the
// stack is always named.
var noStackDefault = map[string]bool{"stack rm": true}

// addStackDefaults lets every command of root whose first argument is a
// stack (argKinds) take it from a default (takeStack).
func (c *cli) addStackDefaults(root *cobra.Command) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := commandPath(root, cmd)
		if kinds := argKinds[path]; len(kinds) > 0 && kinds[0] == argStack && cmd.RunE != nil && !noStackDefault[path] {
			c.takeStack(cmd)
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// commandPath is cmd's path below root: "instance ls".
func commandPath(root, cmd *cobra.Command) string {
	return strings.TrimPrefix(strings.TrimPrefix(cmd.CommandPath(), root.Name()), " ")
}
