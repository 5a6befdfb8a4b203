package testenv

import (
	"context"
	"encoding/json"
	"os/exec"
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
