package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// providerVersion is the version the built provider is installed as; the
// examples ask for "~> 0.1".
const providerVersion = "0.1.0"

// build holds the binaries TestMain built once for the whole package.
var build struct {
	dir        string // removed when the tests end
	server     string // pgcloud-server
	cliConfig  string // a terraform CLI configuration whose only source is the built provider
	repository string // root of the repository (examples/ lives there)
}

func TestMain(m *testing.M) {
	if os.Getenv("TF_ACC") == "" {
		// Every test calls needAcc and skips, as the acceptance tests do.
		os.Exit(m.Run())
	}
	code, err := buildAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func buildAndRun(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "pgcloud-e2e-")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	root, err := filepath.Abs("../..")
	if err != nil {
		return 0, err
	}
	cliConfig, err := testenv.BuildProviderMirror(root, dir, providerVersion)
	if err != nil {
		return 0, err
	}
	server := exec.Command("go", "build", "-ldflags", "-X main.version="+providerVersion, "-o", filepath.Join(dir, "bin", "pgcloud-server"), "./cmd/pgcloud-server")
	server.Dir = root
	if out, err := server.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build ./cmd/pgcloud-server: %v\n%s", err, out)
	}
	build.dir, build.server, build.cliConfig, build.repository = dir, filepath.Join(dir, "bin", "pgcloud-server"), cliConfig, root
	return m.Run(), nil
}

// needAcc skips the test unless acceptance tests run (TF_ACC).
func needAcc(t *testing.T) {
	t.Helper()
	if build.server == "" {
		t.Skip("end-to-end test: set TF_ACC=1 to run it with the real terraform, pgcloud-server and PostgreSQL")
	}
}

// platform is a pgcloud-server process of one test, on a free port, with its
// own data directory and log file.
type platform struct {
	URL       string // http://127.0.0.1:PORT
	Key       string // the bootstrap org_owner key
	OrgID     string
	ProjectID string
	DataDir   string
	LogFile   string
}

// startPlatform starts pgcloud-server serve as a separate process; it is
// stopped with SIGTERM when the test ends.
func startPlatform(t *testing.T, args ...string) *platform {
	t.Helper()
	dir := t.TempDir()
	p := &platform{DataDir: filepath.Join(dir, "data"), LogFile: filepath.Join(dir, "server.log")}
	addrFile := filepath.Join(dir, "addr")
	logFile, err := os.Create(p.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(build.server, append([]string{"serve", "--listen", "127.0.0.1:0",
		"--data-dir", p.DataDir, "--addr-file", addrFile}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the process has ended, with waitErr its exit.
	exited := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		_ = logFile.Close() // the log is only read, afterwards
		close(exited)
	}()
	t.Cleanup(func() {
		select {
		case <-exited:
			return // it ended early, which the test has already reported
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			if waitErr != nil {
				t.Errorf("pgcloud-server did not stop cleanly on SIGTERM: %v", waitErr)
			}
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("pgcloud-server did not stop within 20s of SIGTERM (its shutdown timeout is 15s): killed")
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if addr, err := os.ReadFile(addrFile); err == nil && len(addr) > 0 {
			p.URL = "http://" + strings.TrimSpace(string(addr))
			break
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(p.LogFile)
			t.Fatalf("pgcloud-server exited (%v):\n%s", waitErr, log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("pgcloud-server did not listen within 30s")
		}
	}
	key, err := os.ReadFile(filepath.Join(p.DataDir, "bootstrap-access-key"))
	if err != nil {
		t.Fatal(err)
	}
	p.Key = strings.TrimSpace(string(key))
	ctx := context.Background()
	me, err := p.API(t).WhoAmI(ctx)
	if err != nil {
		t.Fatalf("whoami with the bootstrap key: %v", err)
	}
	p.OrgID = me.Organization.ID
	projects, err := p.API(t).ListProjects(ctx, p.OrgID, client.ListProjectsOptions{Name: "default"})
	if err != nil || len(projects) != 1 {
		t.Fatalf("find the default project: %v (%d found)", err, len(projects))
	}
	p.ProjectID = projects[0].ID
	return p
}

// API is a client of the platform with the bootstrap key, for the tests'
// own look at what exists.
func (p *platform) API(t *testing.T) *client.Client {
	t.Helper()
	return p.APIWith(t, p.Key)
}

// APIWith is a client of the platform that authenticates with key.
func (p *platform) APIWith(t *testing.T, key string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{Endpoint: p.URL, AccessKey: key, MaxRetries: 2,
		RequestTimeout: 30 * time.Second, UserAgent: "pgcloud-e2e"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Log is what the server logged so far.
func (p *platform) Log(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(p.LogFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// addCluster registers pg as a cluster of the default project the way an
// operator does (the admin command, the DSN through the environment) and
// returns its id.
func (p *platform) addCluster(t *testing.T, pg *testpg.Postgres, name string) string {
	t.Helper()
	cmd := exec.Command(build.server, "admin", "--data-dir", p.DataDir, "cluster", "add", "--project", "default", "--name", name)
	cmd.Env = append(os.Environ(), "PGCLOUD_CLUSTER_DSN="+pg.DSN)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("admin cluster add: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// startPostgres starts a throwaway PostgreSQL for one test (every statement
// logged), stopped when the test ends.
func startPostgres(t *testing.T) *testpg.Postgres {
	t.Helper()
	pg, err := testpg.Start()
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(pg.Stop)
	return pg
}

// copyExamples copies examples/ of the repository into a temporary directory,
// so that relative module sources keep working and no state or lock file
// lands in the repository; it returns the copy's root.
func copyExamples(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "examples")
	src := filepath.Join(build.repository, "examples")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			if d.Name() == ".terraform" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		if strings.HasPrefix(d.Name(), "terraform.tfstate") || d.Name() == ".terraform.lock.hcl" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// workspace is a directory terraform runs in, with the environment a
// pipeline would give it: the platform's endpoint and key in PGCLOUD_*, and
// whatever TF_VAR_* the test sets.
type workspace struct {
	t   *testing.T
	Dir string
	Env map[string]string
}

func newWorkspace(t *testing.T, dir string, p *platform) *workspace {
	return &workspace{t: t, Dir: dir, Env: map[string]string{
		"PGCLOUD_ENDPOINT":   p.URL,
		"PGCLOUD_ACCESS_KEY": p.Key,
	}}
}

// environ is the process environment without anything of the developer's
// that would change what terraform or the provider does, plus the
// workspace's own.
func (w *workspace) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PGCLOUD_") || strings.HasPrefix(name, "TF_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+build.cliConfig, "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	for k, v := range w.Env {
		env = append(env, k+"="+v)
	}
	return env
}

// run runs terraform with args (and -no-color) and returns its combined
// output and exit code.
func (w *workspace) run(args ...string) (string, int) {
	w.t.Helper()
	out, _, code := w.runSplit(args...)
	return out, code
}

// runSplit is run with stdout and stderr apart: stdout is the combined
// output when they are not needed apart, stderr only what went there.
func (w *workspace) runSplit(args ...string) (combined, stderr string, code int) {
	w.t.Helper()
	return w.execute(exec.Command(testenv.TerraformBinary(w.t), append(args, "-no-color")...))
}

// runProgram runs a program other than terraform, such as a pipeline script,
// in the workspace with the environment terraform gets there, and returns
// its combined output and exit code. TERRAFORM names the terraform the tests
// run, for a script that honours it.
func (w *workspace) runProgram(name string, args ...string) (string, int) {
	w.t.Helper()
	cmd := exec.Command(name, args...)
	out, _, code := w.execute(cmd, "TERRAFORM="+testenv.TerraformBinary(w.t))
	return out, code
}

// execute runs cmd in the workspace with its environment (and extra
// variables), as runSplit describes.
func (w *workspace) execute(cmd *exec.Cmd, extra ...string) (combined, stderr string, code int) {
	w.t.Helper()
	cmd.Dir = w.Dir
	cmd.Env = append(w.environ(), extra...)
	var all testenv.LockedBuffer
	var errOut bytes.Buffer
	cmd.Stdout = &all
	cmd.Stderr = io.MultiWriter(&all, &errOut)
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return all.String(), errOut.String(), 0
	case errors.As(err, &exit):
		return all.String(), errOut.String(), exit.ExitCode()
	default:
		w.t.Fatalf("%s: %v", strings.Join(cmd.Args, " "), err)
		return "", "", -1
	}
}

// must runs terraform and fails the test unless it exits 0.
func (w *workspace) must(args ...string) string {
	w.t.Helper()
	out, code := w.run(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s exited %d:\n%s", strings.Join(args, " "), code, out)
	}
	return out
}
