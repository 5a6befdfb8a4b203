// Command run is make bench: it starts a pgcloud-server (and a throwaway
// PostgreSQL), runs the real terraform CLI on pgcloud's provider and on its
// comparators side by side in one run, load-tests the server, and prints a
// table of the figures and their ratios (also written as JSON under
// bench/results/, so that two runs can be compared).
//
// Comparators: a framework floor (bench/floorprovider: pgcloud_machine_user's
// schema with no API call) and terraform_data (Terraform core alone) for
// machine users; cyrilgdn/terraform-provider-postgresql's postgresql_role,
// built from the checkout PEER_POSTGRESQL_SRC names, for cluster users.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// PeerSourceEnv names the checkout of cyrilgdn/terraform-provider-postgresql
// to build the cluster users' comparator from.
const PeerSourceEnv = "PEER_POSTGRESQL_SRC"

// PeerCommit is the commit of cyrilgdn/terraform-provider-postgresql the
// cluster users are compared with (v1.26.0 and later fixes, 2026-06-15):
// pinned, so that two runs of the bench compare against the same peer.
const PeerCommit = "ff936b9548c1076f498523a2bd116915ff977142"

type options struct {
	machineUsers []int
	clusterUsers []int
	teams        int
	parallelism  int
	rounds       int
	loadDuration time.Duration
	loadClients  []int
	bin          string
	out          string
	profileDir   string
}

func main() {
	var o options
	var users, cluster, clients string
	flag.StringVar(&users, "machine-users", "100,1000,3000", "numbers of machine users, comma-separated")
	flag.StringVar(&cluster, "cluster-users", "100,500", "numbers of cluster users, comma-separated")
	flag.IntVar(&o.teams, "teams", 200, "teams of the mixed module (machine user, access key, 2 bindings and a cluster user each); 0 skips it")
	flag.IntVar(&o.parallelism, "parallelism", 10, "terraform -parallelism")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the machine users' and cluster users' apply, plan and destroy; each figure is the median (the teams module runs once)")
	flag.DurationVar(&o.loadDuration, "load-duration", 5*time.Second, "length of each server load run")
	flag.StringVar(&clients, "load-clients", "16,64", "concurrent clients of the server load runs, comma-separated")
	flag.StringVar(&o.bin, "bin", "bin", "directory of terraform-provider-pgcloud, pgcloud-server and bench/terraform-provider-floor")
	flag.StringVar(&o.out, "out", "bench/results", "directory of the JSON results")
	flag.StringVar(&o.profileDir, "profile-dir", "", "write CPU and heap profiles of every pgcloud provider process and CPU profiles of the servers there (go tool pprof)")
	flag.Parse()
	var err error
	if o.machineUsers, err = ints(users); err == nil {
		if o.clusterUsers, err = ints(cluster); err == nil {
			o.loadClients, err = ints(clients)
		}
	}
	if err != nil {
		fatal(err)
	}
	if err := run(o); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not a count", f)
		}
		if n > 0 {
			out = append(out, n)
		}
	}
	return out, nil
}

func run(o options) error {
	terraform, err := exec.LookPath("terraform")
	if err != nil {
		return fmt.Errorf("terraform is not on PATH")
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	provider := filepath.Join(bin, "terraform-provider-pgcloud")
	floor := filepath.Join(bin, "bench", "terraform-provider-floor")
	serverBin := filepath.Join(bin, "pgcloud-server")
	for _, f := range []string{provider, floor, serverBin} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s is missing: run make bench, which builds it", f)
		}
	}
	root, err := os.MkdirTemp("", "pgcloud-bench-")
	if err != nil {
		return err
	}
	defer func() {
		if err := os.RemoveAll(root); err != nil {
			fmt.Fprintln(os.Stderr, "bench: could not remove", root+":", err)
		}
	}()

	report := &report{Started: time.Now().UTC(), Parallelism: o.parallelism, Rounds: max(o.rounds, 1), Machine: machineDescription()}
	fmt.Printf("==> %s, terraform -parallelism=%d\n", report.Machine, o.parallelism)

	fmt.Println("==> starting a throwaway PostgreSQL")
	pg, err := testpg.Start()
	if err != nil {
		return err
	}
	defer pg.Stop()

	// Profiles of the servers (cpu-server-<store>.pprof) and of every
	// provider process (main.go of the provider) go to profileDir.
	profileDir, serverProfile := "", func(string) string { return "" }
	if o.profileDir != "" {
		if profileDir, err = filepath.Abs(o.profileDir); err == nil {
			err = os.MkdirAll(profileDir, 0o755)
		}
		if err != nil {
			return err
		}
		serverProfile = func(store string) string { return filepath.Join(profileDir, "cpu-server-"+store+".pprof") }
	}

	fmt.Println("==> starting pgcloud-server (SQLite store)")
	srv, err := startServer(serverBin, filepath.Join(root, "server"), "", serverProfile("sqlite"))
	if err != nil {
		return err
	}
	defer srv.stop()
	clusterID, err := srv.addCluster(pg.DSN)
	if err != nil {
		return err
	}

	overrides := map[string]string{"pgcloud/pgcloud": bin, "pgcloud/floor": filepath.Dir(floor)}
	peer, err := buildPeer(filepath.Join(root, "peer"))
	switch {
	case err != nil:
		return err
	case peer == "":
		fmt.Printf("==> cluster users vs cyrilgdn/postgresql: skipped; to run them, clone github.com/cyrilgdn/terraform-provider-postgresql, "+
			"check out commit %s and set %s to its directory (make bench builds it)\n", PeerCommit, PeerSourceEnv)
	default:
		overrides["cyrilgdn/postgresql"] = filepath.Dir(peer)
	}
	cliFile := filepath.Join(root, "terraformrc")
	if err := cliConfig(cliFile, overrides); err != nil {
		return err
	}
	env := append(cleanEnv(), "TF_CLI_CONFIG_FILE="+cliFile, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1",
		"PGCLOUD_ENDPOINT="+srv.endpoint, "PGCLOUD_ACCESS_KEY="+srv.key)
	if profileDir != "" {
		env = append(env, "PGCLOUD_PROVIDER_PROFILE_DIR="+profileDir)
	}
	base := workspace{terraform: terraform, env: env, parallelism: o.parallelism, serverPID: srv.pid(), postgresPID: postmasterPID(pg)}

	for _, n := range o.machineUsers {
		fmt.Printf("==> %d machine users: pgcloud, the framework floor, terraform_data\n", n)
		r, err := benchMachineUsers(root, base, provider, floor, n, max(o.rounds, 1))
		if err != nil {
			return err
		}
		report.MachineUsers = append(report.MachineUsers, r)
	}
	if peer != "" {
		u, err := url.Parse(pg.DSN)
		if err != nil {
			return err
		}
		password, _ := u.User.Password()
		for _, n := range o.clusterUsers {
			fmt.Printf("==> %d cluster users: pgcloud_postgres_cluster_user, the framework floor, postgresql_role\n", n)
			r, err := benchClusterUsers(root, base, provider, floor, peer, clusterID, u.Hostname(), u.Port(), password, n, max(o.rounds, 1))
			if err != nil {
				return err
			}
			report.ClusterUsers = append(report.ClusterUsers, r)
		}
	}
	if o.teams > 0 {
		fmt.Printf("==> mixed module: %d teams\n", o.teams)
		r, err := benchTeams(root, base, provider, clusterID, o.teams)
		if err != nil {
			return err
		}
		report.Teams = &r
	}

	fmt.Println("==> server load, SQLite store")
	loads, err := serverLoad(srv.endpoint, srv.key, srv.orgID, srv.pid(), "sqlite", o.loadClients, o.loadDuration)
	if err != nil {
		return err
	}
	report.ServerLoad = append(report.ServerLoad, loads...)
	srv.stop()

	fmt.Println("==> server load, PostgreSQL store")
	storeDSN, err := createDatabase(pg.DSN, "pgcloud_bench")
	if err != nil {
		return err
	}
	pgSrv, err := startServer(serverBin, filepath.Join(root, "server-pg"), storeDSN, serverProfile("postgres"))
	if err != nil {
		return err
	}
	defer pgSrv.stop()
	loads, err = serverLoad(pgSrv.endpoint, pgSrv.key, pgSrv.orgID, pgSrv.pid(), "postgres", o.loadClients, o.loadDuration)
	if err != nil {
		return err
	}
	report.ServerLoad = append(report.ServerLoad, loads...)
	pgSrv.stop()

	report.print(os.Stdout)
	path, err := report.save(o.out)
	if err != nil {
		return err
	}
	fmt.Printf("\nresults: %s\n", path)
	return nil
}

// cleanEnv is the environment without what would change terraform's or
// the provider's behaviour or cost (logging, another CLI configuration,
// another pgcloud).
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "PGCLOUD_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

func machineDescription() string {
	cpus := 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		cpus = strings.Count(string(b), "processor\t:")
	}
	return fmt.Sprintf("%d CPUs", cpus)
}

// buildPeer builds cyrilgdn/terraform-provider-postgresql from the checkout
// PEER_POSTGRESQL_SRC names into dir; "" when the variable is not set.
func buildPeer(dir string) (string, error) {
	src := os.Getenv(PeerSourceEnv)
	if src == "" {
		return "", nil
	}
	head, err := exec.Command("git", "-C", src, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("%s=%s: cannot read its commit (%w); it must be a git checkout of cyrilgdn/terraform-provider-postgresql", PeerSourceEnv, src, err)
	}
	if commit := strings.TrimSpace(string(head)); commit != PeerCommit {
		return "", fmt.Errorf("%s=%s is at commit %s, but the bench compares with commit %s: run git -C %s checkout %s",
			PeerSourceEnv, src, commit, PeerCommit, src, PeerCommit)
	}
	out := filepath.Join(dir, "terraform-provider-postgresql")
	fmt.Printf("==> building cyrilgdn/terraform-provider-postgresql %.12s from %s\n", PeerCommit, src)
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = src
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the peer provider in %s: %w", src, err)
	}
	return out, nil
}

// createDatabase creates database name on the PostgreSQL of the superuser
// DSN dsn and returns the DSN of that database.
func createDatabase(dsn, name string) (string, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// postmasterPID is the process of the throwaway PostgreSQL, from the first
// line of its postmaster.pid; 0 (no figures) when it cannot be read.
func postmasterPID(pg *testpg.Postgres) int {
	raw, err := os.ReadFile(filepath.Join(pg.DataDir(), "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}
