package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// examples are the Examples section of each command's help, by its path
// below the root ("" is the root); every line runs as written with the
// command's name in front of it.
var examples = map[string][]string{
	"": {
		"up                                  # bring up the stack of ./devarch.yml",
		"stack create shop && instance add shop db --template postgres",
		"plan shop && apply shop",
	},
	"daemon":        {"daemon status", "daemon stop"},
	"daemon run":    {"daemon run --home /tmp/devarch"},
	"daemon status": {"daemon status", "daemon status --json"},
	"daemon stop":   {"daemon stop"},

	"key":        {"key rotate"},
	"key rotate": {"key rotate"},

	"template":      {"template ls", "template show postgres"},
	"template ls":   {"template ls", "template ls -q", "template ls --format '{{.Name}} {{.Image}}'"},
	"template show": {"template show postgres", "template show redis --json"},
	"template add":  {"template add -f shop-api.yml", "template add -f shop-api.yml --replace", "cat t.yml | devarch template add -f -"},
	"template rm":   {"template rm shop-api"},

	"stack":        {"stack ls", "stack create shop"},
	"stack create": {"stack create shop --description 'the shop' --environment dev", "stack create web --join shop"},
	"stack set":    {"stack set shop --description 'the shop'", "stack set web --join shop", "stack set web --no-join", "stack set shop --compose-mode per-service", "stack set shop --endpoint-mode vip"},
	"stack ls":     {"stack ls", "stack ls -q", "stack ls --format 'table {{.Name}}\\t{{.Instances}}'", "stack ls --json"},
	"stack show":   {"stack show shop", "stack show --json        # the stack of ./devarch.yml"},
	"stack rm":     {"destroy shop && stack rm shop"},
	"stack copy":   {"stack copy shop shop-feature --port-offset 100", "stack copy shop shop-ci --no-ports", "stack copy shop shop2 --json"},

	"instance":           {"instance ls shop", "instance add shop db --template postgres"},
	"instance add":       {"instance add shop db --template postgres", "instance add shop cache -t redis --no-volumes", "instance add db -t postgres   # to the stack of ./devarch.yml"},
	"instance ls":        {"instance ls shop", "instance ls -q", "instance ls shop --format '{{.Name}}: {{.Image}}'"},
	"instance show":      {"instance show shop db", "instance show shop db --effective --json"},
	"instance set":       {"instance set shop db --env POSTGRES_DB=shop --port 127.0.0.1:5432:5432", "instance set shop db --secret-env POSTGRES_PASSWORD=-", "instance set shop api --file /etc/app.conf=@app.conf", "instance set shop api --file /etc/seed.sql=@seed.sql --copy", "instance set shop worker --replicas 3", "instance set shop api --build-context ./api --build-arg GO_VERSION=1.23"},
	"instance reset":     {"instance reset shop db ports", "instance reset shop db env.LOG_LEVEL image"},
	"instance rm":        {"instance rm shop cache"},
	"instance rename":    {"instance rename shop db postgres"},
	"instance duplicate": {"instance duplicate shop api api2", "instance duplicate shop api api2 --port-offset 1", "instance duplicate shop api worker --no-ports"},

	"wire":   {"wire shop api.db db", "wire shop api.cache redis1.redis"},
	"unwire": {"unwire shop api.db", "unwire shop api"},
	"wires":  {"wires shop", "wires shop --json"},

	"config":  {"config shop", "config shop --json", "config shop --show-secrets > compose.yml"},
	"plan":    {"plan shop", "plan                                # the stack of ./devarch.yml", "plan shop --save --ttl 1h", "plan shop --json", "plan shop --detailed-exitcode", "plan shop --target api --save", "plan shop --build"},
	"apply":   {"apply shop", "apply shop --plan 01HX...", "apply shop --auto-approve --lock-timeout 30s", "apply shop --target api --target worker", "apply shop --build", "apply shop --pull", "apply shop --start", "apply shop --keep-failed"},
	"build":   {"build shop", "build shop api worker", "build api          # the stack of ./devarch.yml"},
	"pull":    {"pull shop", "pull shop db --timeout 30s"},
	"destroy": {"destroy shop", "destroy shop --purge --auto-approve"},
	"up":      {"up", "up path/to/devarch.yml --auto-approve", "up --passphrase-file ~/.shop-pass"},
	"down":    {"down", "down shop --purge"},
	"exec":    {"exec shop db psql -U postgres", "exec shop api -- ls -l /app", "exec -T shop db pg_dump shop > dump.sql", "exec -u root -e DEBUG=1 -w /tmp shop api sh"},
	"run":     {"run shop api ./manage.py migrate", "run -T shop api env", "run db   # the stack of ./devarch.yml, the image's command"},
	"port":    {"port shop web", "port shop web 80", "port shop dns 53/udp", "port shop web --json"},
	"stop":    {"stop shop", "stop shop api worker", "stop shop --json"},
	"start":   {"start shop", "start shop api"},
	"restart": {"restart shop api", "restart shop --lock-timeout 30s"},

	"jobs":        {"jobs", "jobs -q", "jobs --format '{{.ID}} {{.State}}'"},
	"jobs attach": {"jobs attach 01HX..."},
	"jobs cancel": {"jobs cancel 01HX..."},

	"ps":     {"ps shop", "ps -q", "ps shop --format '{{.Instance}} {{.State}} {{.Health}}'"},
	"logs":   {"logs shop", "logs shop api -f --tail 50", "logs api --since 10m --timestamps   # the stack of ./devarch.yml"},
	"lock":   {"lock shop"},
	"unlock": {"unlock shop --force", "unlock shop --force --id 3"},

	"export":         {"export shop -o devarch.yml", "export shop --passphrase-file ~/.shop-pass -o devarch.yml"},
	"import":         {"import devarch.yml", "import devarch.yml --set-secret db.POSTGRES_PASSWORD=- < pass.txt", "import devarch.yml --stack shop-copy"},
	"import-compose": {"import-compose docker-compose.yml", "import-compose compose.yaml --stack shop --profile debug"},

	"completion": {"completion bash > /etc/bash_completion.d/devarch", "completion zsh > \"${fpath[1]}/_devarch\"", "completion fish > ~/.config/fish/completions/devarch.fish"},
}

// addExamples sets every command's Examples section from examples, each
// line prefixed with how devarch is run (devarch or docker devarch).
func (c *cli) addExamples(root *cobra.Command) {
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if lines, ok := examples[commandPath(root, cmd)]; ok {
			out := make([]string, len(lines))
			for i, l := range lines {
				out[i] = "  " + c.commandName() + " " + l
			}
			cmd.Example = strings.Join(out, "\n")
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// missingExamples lists the commands of root without an Examples section.
func missingExamples(root *cobra.Command) []string {
	var missing []string
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Name() != "help" && cmd.Example == "" {
			missing = append(missing, fmt.Sprintf("%q", commandPath(root, cmd)))
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return missing
}
