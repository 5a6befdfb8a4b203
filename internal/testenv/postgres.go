package testenv

import "github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"

// Postgres is a throwaway PostgreSQL for tests (see package testpg): DSN is a
// superuser's over TCP, LogFile the server's log with log_statement = 'all'
// ("" when external), Port its port. Its methods: Stop, ConnectAs (proves a
// login with a password works), Exec (a statement as the superuser, e.g. a
// DROP ROLE behind the platform's back), QueryString and Log.
//
// Register it as a cluster with env.Admin.AddCluster(ctx, env.ProjectID, name, pg.DSN).
type Postgres = testpg.Postgres

// PostgresDSNEnv names the variable that makes StartPostgres use an existing
// PostgreSQL (a superuser DSN) instead of starting one.
const PostgresDSNEnv = testpg.DSNEnv

// StartPostgres starts a PostgreSQL with initdb and pg_ctl on a free loopback
// port in a temporary directory (as the OS user postgres when running as
// root, since PostgreSQL refuses root), or uses PGCLOUD_TEST_POSTGRES_DSN
// when set. Without the server binaries it fails with an error naming the
// Debian package to install (postgresql-15): tests must fail, not skip.
// Stop it with Stop, which also removes its directory.
func StartPostgres() (*Postgres, error) { return testpg.Start() }
