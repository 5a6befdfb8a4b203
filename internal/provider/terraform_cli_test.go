package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	goversion "github.com/hashicorp/go-version"
	tfjson "github.com/hashicorp/terraform-json"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// Some tests run the real terraform CLI in a working directory of their
// own, as a pipeline runs it, on the provider built as a binary and found in
// a filesystem mirror: what terraform-plugin-testing cannot drive (a kill in
// the middle of an apply, terraform query -generate-config-out).

// cliProviderVersion is the version the built provider is installed as.
const cliProviderVersion = "0.0.1"

// builtProvider is the provider built once per test run into a filesystem
// mirror (testenv.BuildProviderMirror): a build takes seconds even when Go's
// cache has everything.
var builtProvider struct {
	once      sync.Once
	dir       string
	cliConfig string
	err       error
}

// providerCLIConfig builds the provider the first time a test asks, and
// returns the path of a CLI configuration that installs it from the mirror.
func providerCLIConfig(t *testing.T) string {
	t.Helper()
	builtProvider.once.Do(func() {
		dir, err := os.MkdirTemp("", "pgcloud-provider-mirror-")
		if err != nil {
			builtProvider.err = err
			return
		}
		builtProvider.dir = dir
		builtProvider.cliConfig, builtProvider.err = testenv.BuildProviderMirror(filepath.Join("..", ".."), dir, cliProviderVersion)
	})
	if builtProvider.err != nil {
		t.Fatal(builtProvider.err)
	}
	return builtProvider.cliConfig
}

// removeProviderMirror removes what providerCLIConfig built; TestMain calls
// it once the tests are done.
func removeProviderMirror() {
	if builtProvider.dir != "" {
		_ = os.RemoveAll(builtProvider.dir) // a temporary directory: nothing to do if it stays
	}
}

// terraformDir is a working directory of the real terraform CLI (the one the
// acceptance tests run, see testenv.TerraformBinary) that installs the
// provider from its mirror (providerCLIConfig).
type terraformDir struct {
	t         *testing.T
	dir       string
	cliConfig string
}

func newTerraformDir(t *testing.T) *terraformDir {
	t.Helper()
	d := &terraformDir{t: t, dir: filepath.Join(t.TempDir(), "work"), cliConfig: providerCLIConfig(t)}
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

// cliProviderConfig is a main.tf that requires the built provider and
// points it at the API.
func cliProviderConfig(endpoint, accessKey string) string {
	return fmt.Sprintf(`
terraform {
  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = %q
    }
  }
}

provider "pgcloud" {
  endpoint   = %q
  access_key = %q
}
`, cliProviderVersion, endpoint, accessKey)
}

// write writes a file of the working directory (name relative to it) or
// anywhere (name absolute).
func (d *terraformDir) write(name, content string) {
	d.t.Helper()
	if !filepath.IsAbs(name) {
		name = filepath.Join(d.dir, name)
	}
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		d.t.Fatal(err)
	}
}

// command is terraform with args, in the working directory, in a process
// group of its own (so that a test can kill it with its provider).
func (d *terraformDir) command(args ...string) *exec.Cmd {
	cmd := exec.Command(testenv.TerraformBinary(d.t), append(args, "-no-color")...)
	cmd.Dir = d.dir
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+d.cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// run runs terraform with args, and fails the test if it fails.
func (d *terraformDir) run(args ...string) string {
	d.t.Helper()
	out, err := d.command(args...).CombinedOutput()
	if err != nil {
		d.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// skipBelowTerraform skips the test when the terraform the tests run is
// older than minimum, as tfversion.SkipBelow skips those of
// terraform-plugin-testing.
func skipBelowTerraform(t *testing.T, minimum *goversion.Version) {
	t.Helper()
	testenv.SkipBelowTerraform(t, testenv.TerraformBinary(t), minimum)
}

// adoptByQuery is the migration the guide walks through, on the objects
// query (the content of a *.tfquery.hcl file) finds: terraform query
// -generate-config-out writes the configuration; its plan imports exactly
// want resources and changes nothing; the apply imports them; and the plan
// after it is empty. It returns the generated configuration and what
// terraform query said.
func (d *terraformDir) adoptByQuery(query string, want int) (generated, queried string) {
	d.t.Helper()
	d.write("query.tfquery.hcl", query)
	d.run("init", "-input=false")
	queried = d.run("query", "-generate-config-out=generated.tf")
	raw, err := os.ReadFile(filepath.Join(d.dir, "generated.tf"))
	if err != nil {
		d.t.Fatal(err)
	}
	generated = string(raw)
	d.run("plan", "-input=false", "-out=tfplan")
	var plan tfjson.Plan
	if err := json.Unmarshal([]byte(d.run("show", "-json", "tfplan")), &plan); err != nil {
		d.t.Fatal(err)
	}
	imports := 0
	for _, rc := range plan.ResourceChanges {
		switch {
		case rc.Change.Importing == nil:
			d.t.Errorf("%s: %v, not an import", rc.Address, rc.Change.Actions)
		case !rc.Change.Actions.NoOp():
			d.t.Errorf("%s: imported, then %v: the generated configuration differs from the object", rc.Address, rc.Change.Actions)
		default:
			imports++
		}
	}
	if imports != want || d.t.Failed() {
		d.t.Fatalf("the plan of the generated configuration imports %d resources with no change, want %d; generated:\n%s", imports, want, generated)
	}
	d.run("apply", "-input=false", "tfplan")
	after := d.command("plan", "-input=false", "-detailed-exitcode")
	if out, err := after.CombinedOutput(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			d.t.Fatalf("the plan after the imports is not empty:\n%s", out)
		}
		d.t.Fatalf("terraform plan after the imports: %v\n%s", err, out)
	}
	return generated, queried
}
