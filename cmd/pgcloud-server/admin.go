package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server"
)

const adminUsage = `Usage: pgcloud-server admin [--data-dir DIR | --store sqlite:/path/file.db] COMMAND

Commands (each prints only the new object's id, or the key, on stdout):
  org create NAME
  project create --org ORG NAME
  user create-human --org ORG --email EMAIL
  key create --user USER [--days N]
  binding create --user USER (--org ORG | --project PROJECT) --role ROLE
  cluster add --project PROJECT --name NAME --dsn DSN
  backup --to FILE      a consistent copy of a SQLite store, also while servers run

ORG and PROJECT are an id or a name; USER is an id, a person's email or a
machine username (if several organizations have it, pass the id).
DSN is the connection string of a PostgreSQL role with CREATEROLE, e.g.
postgres://pgcloud:PASSWORD@db.example.com:5432/postgres; it can come from
the environment variable PGCLOUD_CLUSTER_DSN instead, which keeps it out of
the process list. It is stored, never printed or logged.

Flags:
`

// clusterDSNEnv can carry the DSN of `cluster add`, out of the process list.
const clusterDSNEnv = "PGCLOUD_CLUSTER_DSN"

func admin(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("pgcloud-server admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprint(stderr, adminUsage)
		fs.PrintDefaults()
	}
	dataDir := fs.String("data-dir", "./pgcloud-data", "`directory` of the embedded store")
	storeSpec := fs.String("store", "", "store other than the data directory's, e.g. sqlite:/path/file.db")
	serverKeyFile := fs.String("server-key-file", "", "`file` of the server key (default: server.key in the data directory)")
	addEnvUsage(fs)
	// The global flags come before the command: stop at the first argument.
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fromEnv(fs, getenv); err != nil {
		return err
	}
	cmd := fs.Args()
	// A command is a noun and a verb ("org create"), but for backup.
	words := 2
	if len(cmd) > 0 && cmd[0] == "backup" {
		words = 1
	}
	if len(cmd) < words {
		fs.Usage()
		return errUsage
	}
	name, cmdArgs := strings.Join(cmd[:words], " "), cmd[words:]

	sub := flag.NewFlagSet("pgcloud-server admin "+name, flag.ContinueOnError)
	sub.SetOutput(stderr)
	// The store flags are accepted after the command too; the values found
	// so far (flag or environment) stay the defaults.
	sub.StringVar(dataDir, "data-dir", *dataDir, "`directory` of the embedded store")
	sub.StringVar(storeSpec, "store", *storeSpec, "store other than the data directory's")
	sub.StringVar(serverKeyFile, "server-key-file", *serverKeyFile, "file of the server key")
	// Each command checks its arguments before the store is opened, then
	// returns what to do with it.
	type action func(a *server.Admin) (string, error)
	var prepare func(positional []string) (action, error)
	switch name {
	case "org create":
		prepare = func(pos []string) (action, error) {
			if len(pos) != 1 {
				return nil, usageErr(stderr, "org create takes one NAME")
			}
			return func(a *server.Admin) (string, error) { return a.CreateOrganization(ctx, pos[0]) }, nil
		}
	case "project create":
		org := sub.String("org", "", "organization id or name (required)")
		prepare = func(pos []string) (action, error) {
			if len(pos) != 1 || *org == "" {
				return nil, usageErr(stderr, "project create takes --org ORG and one NAME")
			}
			return func(a *server.Admin) (string, error) { return a.CreateProject(ctx, *org, pos[0]) }, nil
		}
	case "user create-human":
		org := sub.String("org", "", "organization id or name (required)")
		email := sub.String("email", "", "the person's email (required)")
		prepare = func(pos []string) (action, error) {
			if len(pos) != 0 || *org == "" || *email == "" {
				return nil, usageErr(stderr, "user create-human takes --org ORG --email EMAIL")
			}
			return func(a *server.Admin) (string, error) { return a.CreateHumanUser(ctx, *org, *email) }, nil
		}
	case "key create":
		user := sub.String("user", "", "user id, email or machine username (required)")
		days := sub.Int("days", server.DefaultAccessKeyDays, "days until the key expires (1-365)")
		prepare = func(pos []string) (action, error) {
			if len(pos) != 0 || *user == "" {
				return nil, usageErr(stderr, "key create takes --user USER [--days N]")
			}
			if *days < 1 || *days > 365 {
				return nil, usageErr(stderr, "--days must be from 1 to 365, got %d", *days)
			}
			return func(a *server.Admin) (string, error) { return a.CreateAccessKey(ctx, *user, *days) }, nil
		}
	case "binding create":
		user := sub.String("user", "", "user id, email or machine username (required)")
		org := sub.String("org", "", "organization id or name, for an organization role")
		project := sub.String("project", "", "project id or name, for a project role")
		role := sub.String("role", "", "role name, e.g. org_owner or project_viewer (required)")
		prepare = func(pos []string) (action, error) {
			if len(pos) != 0 || *user == "" || *role == "" || (*org == "") == (*project == "") {
				return nil, usageErr(stderr, "binding create takes --user USER --role ROLE and one of --org ORG or --project PROJECT")
			}
			return func(a *server.Admin) (string, error) {
				if *org != "" {
					return a.BindOrgRole(ctx, *user, *org, *role)
				}
				return a.BindProjectRole(ctx, *user, *project, *role)
			}, nil
		}
	case "cluster add":
		project := sub.String("project", "", "project id or name (required)")
		name := sub.String("name", "", "cluster name, unique in the project (required)")
		dsn := sub.String("dsn", "", "connection string of a role with CREATEROLE (required; or env PGCLOUD_CLUSTER_DSN)")
		prepare = func(pos []string) (action, error) {
			if *dsn == "" {
				*dsn = getenv(clusterDSNEnv)
			}
			if len(pos) != 0 || *project == "" || *name == "" || *dsn == "" {
				return nil, usageErr(stderr, "cluster add takes --project PROJECT --name NAME and --dsn DSN (or the environment variable %s)", clusterDSNEnv)
			}
			return func(a *server.Admin) (string, error) { return a.AddCluster(ctx, *project, *name, *dsn) }, nil
		}
	case "backup":
		to := sub.String("to", "", "`file` to write the copy to; it must not exist (required)")
		prepare = func(pos []string) (action, error) {
			if len(pos) != 0 || *to == "" {
				return nil, usageErr(stderr, "backup takes --to FILE")
			}
			return func(a *server.Admin) (string, error) { return a.Backup(ctx, *to) }, nil
		}
	default:
		fs.Usage()
		return usageErr(stderr, "unknown admin command %q", name)
	}
	pos, err := parse(sub, cmdArgs, getenv, false)
	if err != nil {
		return err
	}
	do, err := prepare(pos)
	if err != nil {
		return err
	}

	a, err := server.OpenAdmin(ctx, server.Config{DataDir: *dataDir, Store: *storeSpec, ServerKeyFile: *serverKeyFile, ServerKey: getenv(server.ServerKeyEnv)})
	if err != nil {
		return err
	}
	out, err := do(a)
	if err == nil {
		// What a script reads (a new id or key): failing to write it fails
		// the command.
		_, err = fmt.Fprintln(stdout, out)
	}
	return errors.Join(err, a.Close())
}
