package main

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devarch-dev/devarch/daemon/api"
	"github.com/devarch-dev/devarch/plugin/render"
)

func newPortCommand(c *cli) *cobra.Command {
	var opts jsonOption
	cmd := &cobra.Command{
		Use:   "port STACK INSTANCE [PRIVATE_PORT[/PROTOCOL]]",
		Short: "List the host ports an instance's container publishes",
		Long: `List the host ports the running container of an instance publishes, as docker
port does: "80/tcp -> 0.0.0.0:8080" a line, or with PRIVATE_PORT (80, 80/tcp,
53/udp) only the host addresses that port is published on.`,
		Args: rangeArgs(2, 3, "STACK INSTANCE [PRIVATE_PORT[/PROTOCOL]]"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPort(cmd.Context(), c, args[0], args[1], optionalArg(args, 2), opts)
		},
	}
	opts.bind(cmd)
	return cmd
}

func runPort(ctx context.Context, c *cli, stack, instance, private string, opts jsonOption) error {
	if private != "" {
		var err error
		if private, err = normalizePrivatePort(private); err != nil {
			return err
		}
	}
	spec, cl, err := c.runtimeClient(ctx)
	if err != nil {
		return err
	}
	ps, err := cl.Ports(ctx, stack, instance, spec)
	if err != nil {
		return err
	}
	if private != "" {
		ps = filterPorts(ps, private)
		if len(ps) == 0 {
			return withHint(fmt.Errorf("instance %q of stack %q publishes no host port for %s", instance, stack, private),
				"run `port "+stack+" "+instance+"` to list what it publishes")
		}
	}
	if opts.json {
		return render.JSON(c.out, nonNil(ps))
	}
	for _, p := range ps {
		host := net.JoinHostPort(p.HostIP, p.HostPort)
		if private != "" {
			fmt.Fprintln(c.out, host)
		} else {
			fmt.Fprintf(c.out, "%s -> %s\n", p.Private, host)
		}
	}
	return nil
}

// normalizePrivatePort checks PORT[/PROTOCOL] and adds the default
// protocol: "80" is "80/tcp".
func normalizePrivatePort(s string) (string, error) {
	port, proto, ok := strings.Cut(s, "/")
	if !ok {
		proto = "tcp"
	}
	n := 0
	for _, r := range port {
		if r < '0' || r > '9' || n > 65535 {
			n = -1
			break
		}
		n = n*10 + int(r-'0')
	}
	if port == "" || n < 1 || n > 65535 {
		return "", fieldErr("PRIVATE_PORT", fmt.Sprintf("must be a port number 1..65535 with an optional /tcp or /udp, got %q", s))
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return "", fieldErr("PRIVATE_PORT", fmt.Sprintf("protocol must be tcp, udp or sctp, got %q", proto))
	}
	return fmt.Sprintf("%d/%s", n, proto), nil
}

func filterPorts(ps []api.PortBinding, private string) []api.PortBinding {
	var out []api.PortBinding
	for _, p := range ps {
		if p.Private == private {
			out = append(out, p)
		}
	}
	return out
}
