package testenv

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"
)

// SkipBelowTerraform skips t when the terraform at path is older than
// minimum, with tfversion.SkipBelow's own check and message: the skip of
// terraform-plugin-testing's tests, for tests that run the CLI themselves
// (terraform query -generate-config-out, which its query mode cannot).
func SkipBelowTerraform(t testing.TB, path string, minimum *version.Version) {
	t.Helper()
	out, err := exec.Command(path, "version", "-json").Output()
	if err != nil {
		t.Fatalf("%s version: %v", path, err)
	}
	var v struct {
		Version string `json:"terraform_version"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -json: %v\n%s", path, err, out)
	}
	current, err := version.NewVersion(v.Version)
	if err != nil {
		t.Fatal(err)
	}
	var resp tfversion.CheckTerraformVersionResponse
	tfversion.SkipBelow(minimum).CheckTerraformVersion(context.Background(), tfversion.CheckTerraformVersionRequest{TerraformVersion: current}, &resp)
	if resp.Skip != "" {
		t.Skip(resp.Skip)
	}
}

// TerraformBinary is the terraform the acceptance and end-to-end tests run:
// TF_ACC_TERRAFORM_PATH, as terraform-plugin-testing reads it, or the one on
// PATH.
func TerraformBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("terraform is not on PATH: %v", err)
	}
	return p
}

// BuildProviderMirror builds the provider (the main package of the
// repository at root) as providerVersion into a filesystem mirror under
// dir, for tests that run the real terraform CLI on the provider as a
// binary, and writes beside it a CLI configuration that installs providers
// from that mirror only (nothing is downloaded). It returns the
// configuration's path, for TF_CLI_CONFIG_FILE.
func BuildProviderMirror(root, dir, providerVersion string) (cliConfig string, err error) {
	mirror := filepath.Join(dir, "plugins")
	binary := filepath.Join(mirror, "registry.terraform.io", "pgcloud", "pgcloud", providerVersion, runtime.GOOS+"_"+runtime.GOARCH,
		"terraform-provider-pgcloud_v"+providerVersion)
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+providerVersion, "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the provider: %v\n%s", err, out)
	}
	cliConfig = filepath.Join(dir, "terraformrc")
	content := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(cliConfig, []byte(content), 0o600); err != nil {
		return "", err
	}
	return cliConfig, nil
}
