// Command testprog is a small static program that stands in for real
// services in devarch's end-to-end tests: it serves HTTP, prints its
// environment, resolves names, dials addresses, listens on ports and checks
// its own health.
//
// Usage:
//
//	testprog serve              HTTP on $PORT (default 8080), plus TCP on every port in $LISTEN_PORTS
//	testprog health [URL]       exit 0 when URL (default http://127.0.0.1:$PORT/health) answers 200
//	testprog env                print the environment as JSON
//	testprog resolve NAME       print NAME's addresses; exit 1 when it does not resolve
//	testprog dial HOST:PORT     exit 0 when a TCP connection succeeds, 1 otherwise
//	testprog listen PORT...     accept TCP connections on each port until killed
//	testprog cat FILE...        print the files' contents (the image has no shell tools)
//	testprog write FILE TEXT    write TEXT to FILE (created or truncated, mode 0644)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		args = []string{"serve"}
	}
	os.Exit(run(args[0], args[1:], os.Stdout, os.Stderr))
}

func run(cmd string, args []string, stdout, stderr io.Writer) int {
	switch cmd {
	case "serve":
		return serve(stderr)
	case "health":
		url := "http://127.0.0.1:" + port() + "/health"
		if len(args) > 0 {
			url = args[0]
		}
		if err := health(url); err != nil {
			fmt.Fprintln(stderr, "health:", err)
			return 1
		}
		return 0
	case "env":
		return writeJSON(stdout, stderr, environ())
	case "resolve":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: testprog resolve NAME")
			return 2
		}
		addrs, err := resolve(args[0])
		if err != nil {
			fmt.Fprintln(stderr, "resolve:", err)
			return 1
		}
		fmt.Fprintln(stdout, strings.Join(addrs, "\n"))
		return 0
	case "dial":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: testprog dial HOST:PORT")
			return 2
		}
		if err := dial(args[0]); err != nil {
			fmt.Fprintln(stderr, "dial:", err)
			return 1
		}
		fmt.Fprintln(stdout, "ok")
		return 0
	case "listen":
		if len(args) == 0 {
			fmt.Fprintln(stderr, "usage: testprog listen PORT...")
			return 2
		}
		if err := listenAll(args, stderr); err != nil {
			fmt.Fprintln(stderr, "listen:", err)
			return 1
		}
		waitSignal()
		return 0
	case "cat":
		if len(args) == 0 {
			fmt.Fprintln(stderr, "usage: testprog cat FILE...")
			return 2
		}
		for _, f := range args {
			data, err := os.ReadFile(f)
			if err != nil {
				fmt.Fprintln(stderr, "cat:", err)
				return 1
			}
			stdout.Write(data)
		}
		return 0
	case "write":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: testprog write FILE TEXT")
			return 2
		}
		if err := os.WriteFile(args[0], []byte(args[1]), 0o644); err != nil {
			fmt.Fprintln(stderr, "write:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "testprog: unknown command %q (serve, health, env, resolve, dial, listen, cat, write)\n", cmd)
		return 2
	}
}

func port() string {
	if p := os.Getenv("PORT"); p != "" {
		return p
	}
	return "8080"
}

func environ() map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

func writeJSON(w, stderr io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

func resolve(name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err != nil {
		return nil, err
	}
	sort.Strings(addrs)
	return addrs, nil
}

func dial(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	return c.Close()
}

func health(url string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}

// listenAll accepts connections on each port and closes them at once, so a
// client dialing the port sees a listening service.
func listenAll(ports []string, stderr io.Writer) error {
	for _, p := range ports {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		l, err := net.Listen("tcp", ":"+p)
		if err != nil {
			return err
		}
		fmt.Fprintln(stderr, "listening on", l.Addr())
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	return nil
}

func waitSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	<-ch
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		h, _ := os.Hostname()
		fmt.Fprintln(w, h)
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/env", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		writeJSON(w, io.Discard, environ())
	})
	mux.HandleFunc("/resolve", func(w http.ResponseWriter, r *http.Request) {
		addrs, err := resolve(r.URL.Query().Get("name"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, strings.Join(addrs, "\n"))
	})
	mux.HandleFunc("/dial", func(w http.ResponseWriter, r *http.Request) {
		if err := dial(r.URL.Query().Get("addr")); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	return mux
}

func serve(stderr io.Writer) int {
	if lp := os.Getenv("LISTEN_PORTS"); lp != "" {
		if err := listenAll(strings.FieldsFunc(lp, func(r rune) bool { return r == ',' || r == ' ' }), stderr); err != nil {
			fmt.Fprintln(stderr, "listen:", err)
			return 1
		}
	}
	srv := &http.Server{Addr: ":" + port(), Handler: handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		waitSignal()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	fmt.Fprintln(stderr, "serving on", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "serve:", err)
		return 1
	}
	return 0
}
