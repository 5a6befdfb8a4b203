// Command pgcloud-server is the pgcloud control plane: `serve` runs the HTTP
// API, `admin` runs operator commands on the same store (also while a server
// is running on it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "dev"

const usage = `pgcloud-server — the pgcloud control plane

Usage:
  pgcloud-server serve [flags]            run the HTTP API
  pgcloud-server admin [flags] COMMAND    operator commands on the store
  pgcloud-server version

Run "pgcloud-server serve -h" or "pgcloud-server admin -h" for their flags.
Every flag can also be set by an environment variable PGCLOUD_SERVER_<FLAG>
(upper case, '-' as '_', e.g. PGCLOUD_SERVER_DATA_DIR); a flag wins over it.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// run is the whole command, minus process globals, so tests can call it. It
// returns the exit code. Results meant for scripts go to stdout; everything
// else (logs, errors, usage) goes to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stderr, getenv)
	case "admin":
		err = admin(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		_, err = fmt.Fprintln(stdout, version)
	case "help", "-h", "--help", "-help":
		_, err = fmt.Fprint(stdout, usage)
	default:
		_, _ = fmt.Fprintf(stderr, "pgcloud-server: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// The flag package or the command has already explained the problem.
		return 2
	default:
		_, _ = fmt.Fprintf(stderr, "pgcloud-server: %v\n", err)
		return 1
	}
}

// errUsage marks a command-line mistake that was already reported.
var errUsage = errors.New("usage")

func usageErr(stderr io.Writer, format string, args ...any) error {
	_, _ = fmt.Fprintf(stderr, "pgcloud-server: "+format+"\n", args...)
	return errUsage
}

// parse parses args into fs, allowing flags after positional arguments
// ("project create NAME --org ORG" as well as "--org ORG NAME"), then fills
// every flag that was not given from its PGCLOUD_SERVER_* environment
// variable when env is true. It returns the positional arguments.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string, env bool) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if env {
		if err := fromEnv(fs, getenv); err != nil {
			return nil, err
		}
	}
	return positional, nil
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return "PGCLOUD_SERVER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// fromEnv sets the flags not given on the command line from the environment.
func fromEnv(fs *flag.FlagSet, getenv func(string) string) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		name := envName(f.Name)
		if v := getenv(name); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("environment variable %s=%q: %v", name, v, e)
			}
		}
	})
	return err
}

// addEnvUsage mentions the environment variable in every flag's help.
func addEnvUsage(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		f.Usage += " (env " + envName(f.Name) + ")"
	})
}
