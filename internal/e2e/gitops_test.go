package e2e

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// The GitOps example (examples/gitops) the way its pipeline runs it:
// pipeline.sh plan with the key of a read-only (org_admin) machine user,
// terraform show -json of the saved plan, pipeline.sh apply of that plan
// with the key of an org_owner machine user, the two made by an org owner
// outside the root module as README.md lays them out. Then a password
// rotation through the same flow. Nothing secret may show anywhere: not in
// what any command printed, the plan, the state, Terraform's debug log, the
// server's log or PostgreSQL's log of every statement.
func TestGitOpsPipeline(t *testing.T) {
	needAcc(t)
	t.Parallel() // a server, a PostgreSQL and a workspace of its own
	p := startPlatform(t)
	pg := startPostgres(t)
	p.addCluster(t, pg, "orders") // terraform.tfvars: project "default", cluster "orders"
	planner := newPipelineIdentity(t, p, "pipeline-plan", "org_admin")
	applier := newPipelineIdentity(t, p, "pipeline-apply", "org_owner")

	const (
		// What the plan job of github-actions.yml sets instead of the
		// password: a write-only value is not part of the plan.
		placeholder = "plan-placeholder-not-a-password"
		password1   = "orders-app-password-1-Xq7"
		password2   = "orders-app-password-2-Kd9"
	)
	leaks := newLeakCheck("the bootstrap key", p.Key, "the plan job's key", planner.Key, "the apply job's key", applier.Key,
		"the plan job's password placeholder", placeholder, "the first password", password1, "the second password", password2)

	w := newWorkspace(t, filepath.Join(copyExamples(t), "gitops"), p)
	logDir := t.TempDir()
	var printed []string // everything any command printed, for the leak check
	var logs []string    // TF_LOG_PATH of every step
	pipeline := func(mode string, id pipelineIdentity, password string) (string, int) {
		t.Helper()
		w.Env["PGCLOUD_ACCESS_KEY"] = id.Key
		w.Env["TF_VAR_orders_app_password"] = password
		w.Env["TF_LOG"] = "DEBUG"
		w.Env["TF_LOG_PATH"] = filepath.Join(logDir, fmt.Sprintf("%02d-%s-%s.log", len(logs)+1, mode, id.Username))
		logs = append(logs, w.Env["TF_LOG_PATH"])
		out, code := w.runProgram("./pipeline.sh", mode)
		printed = append(printed, out)
		return out, code
	}

	// A pull request: the plan with the read-only key. 2: changes.
	out, code := pipeline("plan", planner, placeholder)
	if code != 2 {
		t.Fatalf("pipeline.sh plan exited %d, want 2 (changes):\n%s", code, out)
	}
	for _, want := range []string{
		`# pgcloud_machine_user.service["orders-api"] will be created`,
		`# pgcloud_project_role_binding.service["orders-migrations"] will be created`,
		`# pgcloud_postgres_cluster_user.orders_app will be created`,
		"Plan: 5 to add, 0 to change, 0 to destroy.",
	} {
		if !strings.Contains(summaryOf(out), want) {
			t.Errorf("the summary pipeline.sh plan prints lacks %q:\n%s", want, out)
		}
	}

	// What a reviewer downloads: the saved plan, as JSON and as the file.
	planJSON, stderr, code := w.runSplit("show", "-json", "tfplan")
	if code != 0 || stderr != "" {
		t.Fatalf("terraform show -json tfplan exited %d:\n%s", code, planJSON)
	}
	printed = append(printed, planJSON)
	checkGitOpsPlan(t, planJSON)
	planFiles := zipEntries(t, filepath.Join(w.Dir, "tfplan"))

	// The merge: the apply of that saved plan with the org_owner key and the
	// real password. 0: applied.
	out, code = pipeline("apply", applier, password1)
	if code != 0 || !strings.Contains(out, "Apply complete! Resources: 5 added, 0 changed, 0 destroyed.") {
		t.Fatalf("pipeline.sh apply exited %d, want 0 and 5 added:\n%s", code, out)
	}
	ctx := context.Background()
	if err := pg.ConnectAs(ctx, "orders_app", password1); err != nil {
		t.Errorf("orders_app cannot log in with the password the apply job set: %v", err)
	}
	if err := pg.ConnectAs(ctx, "orders_app", placeholder); err == nil {
		t.Error("orders_app logs in with the plan job's placeholder: the placeholder reached PostgreSQL")
	}
	if out, code := pipeline("plan", planner, placeholder); code != 0 {
		t.Errorf("pipeline.sh plan after the apply exited %d, want 0 (no changes):\n%s", code, out)
	}

	// A pull request that bumps password_wo_version: the plan shows an
	// update and no password; the apply sets the one it is given.
	w.Env["TF_VAR_orders_app_password_version"] = "2"
	out, code = pipeline("plan", planner, placeholder)
	if code != 2 || !strings.Contains(out, "Plan: 0 to add, 1 to change, 0 to destroy.") {
		t.Fatalf("pipeline.sh plan of a new password version exited %d, want 2 and 1 to change:\n%s", code, out)
	}
	rotationJSON, _, code := w.runSplit("show", "-json", "tfplan")
	if code != 0 {
		t.Fatalf("terraform show -json tfplan exited %d:\n%s", code, rotationJSON)
	}
	printed = append(printed, rotationJSON)
	planFiles = append(planFiles, zipEntries(t, filepath.Join(w.Dir, "tfplan"))...)
	if out, code := pipeline("apply", applier, password2); code != 0 {
		t.Fatalf("pipeline.sh apply of the new password version exited %d:\n%s", code, out)
	}
	if err := pg.ConnectAs(ctx, "orders_app", password2); err != nil {
		t.Errorf("orders_app cannot log in with the new password: %v", err)
	}
	if err := pg.ConnectAs(ctx, "orders_app", password1); err == nil {
		t.Error("orders_app still logs in with the old password")
	}
	if out, code := pipeline("plan", planner, placeholder); code != 0 {
		t.Errorf("pipeline.sh plan after the rotation exited %d, want 0:\n%s", code, out)
	}

	// The read-only key wrote nothing; the writes were the org_owner's.
	reqs := serverRequests(t, p)
	var applierWrites int
	for _, r := range reqs {
		switch {
		case r.UserID == planner.UserID && r.Method != "GET":
			t.Errorf("the plan job's read-only key sent %s %s (%d)", r.Method, r.Path, r.Status)
		case r.UserID == planner.UserID && r.Status >= 400 && r.Status != 404: // 404: "is this name free?"
			t.Errorf("the plan job's read-only key was refused: %s %s (%d)", r.Method, r.Path, r.Status)
		case r.UserID == applier.UserID && r.Method != "GET":
			applierWrites++
		}
	}
	if applierWrites == 0 {
		t.Error("the server logged no write of the apply job's key: the log has no user ids, or the apply wrote nothing")
	}

	// The key budget: the pipeline used no key slot of its own. Each of its
	// machine users holds the one key in the CI's secret store, the team's
	// machine users hold none, and no session token is left open.
	api := p.API(t)
	users, err := api.ListMachineUsers(ctx, p.OrgID, client.ListMachineUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		keys, err := api.ListMachineUserAccessKeys(ctx, p.OrgID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"admin": 1, "pipeline-plan": 1, "pipeline-apply": 1}[u.Username]
		if len(keys) != want {
			t.Errorf("machine user %s holds %d access keys, want %d", u.Username, len(keys), want)
		}
		for _, k := range keys {
			if k.Secret != "" || !strings.Contains(k.MaskedKey, "…") {
				t.Errorf("the API lists key %s of %s with more than its masked form", k.ID, u.Username)
			}
		}
		tokens, err := api.ListMachineUserSessionTokens(ctx, p.OrgID, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(tokens) != 0 {
			t.Errorf("machine user %s has %d session tokens open after the runs, want 0", u.Username, len(tokens))
		}
	}

	// No secret anywhere.
	for i, text := range printed {
		leaks.check(t, fmt.Sprintf("command output %d", i+1), text)
	}
	for _, e := range planFiles {
		leaks.check(t, "the saved plan's "+e.name, e.text)
	}
	// What the runs wrote: terraform.tfstate, its backup, the lock file,
	// .terraform/ (not the example's own files: github-actions.yml names
	// the placeholder).
	checked := leaks.checkTree(t, w.Dir, filepath.Join(build.repository, "examples", "gitops"))
	for _, want := range []string{"terraform.tfstate", "terraform.tfstate.backup", ".terraform.lock.hcl"} {
		if !slices.Contains(checked, want) {
			t.Errorf("no %s was checked for secrets (checked: %v)", want, checked)
		}
	}
	for _, path := range logs {
		text := readFile(t, path)
		if !strings.Contains(text, "[DEBUG] provider.terraform-provider-pgcloud") || !strings.Contains(text, "pgcloud API request") {
			t.Errorf("%s has no debug lines of the provider's API requests: TF_LOG did not reach terraform through pipeline.sh", filepath.Base(path))
		}
		leaks.check(t, "TF_LOG=DEBUG log "+filepath.Base(path), text)
	}
	leaks.check(t, "the server's log", p.Log(t))
	pgLog, err := pg.Log()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pgLog, "orders_app") {
		t.Error("PostgreSQL's log does not show the statements for orders_app: is log_statement=all on?")
	}
	leaks.check(t, "PostgreSQL's log", pgLog)
}

// What a read-only (org_admin) key can plan, tried with every resource, data
// source and an import in one configuration, and the one thing it cannot: an
// ephemeral pgcloud_access_key, which opens a session token during plan.
// README.md of examples/gitops documents exactly this.
func TestGitOpsReadOnlyPlan(t *testing.T) {
	needAcc(t)
	t.Parallel() // a server, a PostgreSQL and a workspace of its own
	p := startPlatform(t)
	pg := startPostgres(t)
	clusterID := p.addCluster(t, pg, "orders")
	planner := newPipelineIdentity(t, p, "pipeline-plan", "org_admin")
	applier := newPipelineIdentity(t, p, "pipeline-apply", "org_owner")
	ctx := context.Background()
	imported, err := p.API(t).CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "made-by-hand"})
	if err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "every-kind")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "main.tf"), everyKindConfig)
	w := newWorkspace(t, dir, p)
	w.Env["TF_VAR_cluster_id"] = clusterID
	w.Env["TF_VAR_imported_id"] = imported.ID
	w.Env["TF_VAR_password"] = "write-only-password-1"
	script := filepath.Join(build.repository, "examples", "gitops", "pipeline.sh")
	pipeline := func(mode string, id pipelineIdentity) (string, int) {
		t.Helper()
		w.Env["PGCLOUD_ACCESS_KEY"] = id.Key
		return w.runProgram(script, mode)
	}

	// Creates, the plan-time checks of every resource (machine user and
	// organization lookups, the key quota, free usernames), the data
	// sources and the import: reads only.
	if out, code := pipeline("plan", planner); code != 2 {
		t.Fatalf("the read-only plan of every resource and data source exited %d, want 2:\n%s", code, out)
	}
	if out, code := pipeline("apply", applier); code != 0 {
		t.Fatalf("the apply with the org_owner key exited %d:\n%s", code, out)
	}
	// The refresh of every resource: reads only.
	if out, code := pipeline("plan", planner); code != 0 {
		t.Fatalf("the read-only plan after the apply exited %d, want 0 (no changes):\n%s", code, out)
	}
	// The destruction of every resource, planned: reads only.
	w.Env["PGCLOUD_ACCESS_KEY"] = planner.Key
	if out, code := w.run("plan", "-destroy", "-input=false", "-detailed-exitcode"); code != 2 || !strings.Contains(out, "to destroy.") {
		t.Fatalf("the read-only plan of the destruction exited %d, want 2:\n%s", code, out)
	}

	// The ephemeral pgcloud_access_key opens a session token during plan: a
	// write, refused to org_admin with the message README.md quotes.
	writeFile(t, filepath.Join(dir, "ephemeral.tf"), ephemeralKeyConfig)
	out, code := pipeline("plan", planner)
	if code != 1 {
		t.Fatalf("the read-only plan with an ephemeral pgcloud_access_key exited %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		"Could not open a session token for machine user " + applier.UserID,
		"managing the session tokens of machine users requires the org_owner role",
		"HTTP 403 PERMISSION_DENIED",
		"pipeline: terraform plan failed (exit 1); nothing to apply",
	} {
		if !strings.Contains(unwrap(out), want) {
			t.Errorf("the refused plan does not say %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tfplan")); !os.IsNotExist(err) {
		t.Errorf("a failed plan left tfplan behind (%v): pipeline.sh apply could apply a plan that failed", err)
	}
	if out, code := pipeline("apply", applier); code != 1 || !strings.Contains(out, "no saved plan tfplan") {
		t.Errorf("pipeline.sh apply without a saved plan exited %d, want 1 and why:\n%s", code, out)
	}
	// The same configuration plans with the org_owner key: the role is what
	// is missing, not something in the configuration.
	if out, code := pipeline("plan", applier); code != 0 {
		t.Fatalf("the plan with an ephemeral pgcloud_access_key and the org_owner key exited %d, want 0:\n%s", code, out)
	}

	// The only request of the read-only key that was not a read is the
	// refused session token; the token the owner's plan opened is closed.
	for _, r := range serverRequests(t, p) {
		if r.UserID != planner.UserID || r.Method == "GET" {
			continue
		}
		if r.Method != "POST" || !strings.HasSuffix(r.Path, "/session-tokens") || r.Status != 403 {
			t.Errorf("the read-only key sent %s %s (%d)", r.Method, r.Path, r.Status)
		}
	}
	tokens, err := p.API(t).ListMachineUserSessionTokens(ctx, p.OrgID, applier.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 0 {
		t.Errorf("%d session tokens of %s are still open after the plans, want 0", len(tokens), applier.Username)
	}
}

// The two-key budget of README.md: a key that rotates with
// create_before_destroy fits on a machine user of its own (the new key and
// the old one exist together for a moment), and does not fit on the
// pipeline's own machine user, which also holds the key in the CI's secret
// store. There the plan warns and the apply fails before anything is
// deleted, so the pipeline's key keeps working.
func TestGitOpsKeyBudget(t *testing.T) {
	needAcc(t)
	t.Parallel() // a server, a PostgreSQL and a workspace of its own
	p := startPlatform(t)
	planner := newPipelineIdentity(t, p, "pipeline-plan", "org_admin")
	applier := newPipelineIdentity(t, p, "pipeline-apply", "org_owner")
	dir := filepath.Join(t.TempDir(), "rotation")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "main.tf"), rotatingKeysConfig)
	w := newWorkspace(t, dir, p)
	script := filepath.Join(build.repository, "examples", "gitops", "pipeline.sh")
	pipeline := func(mode string, id pipelineIdentity, generation string) (string, int) {
		t.Helper()
		w.Env["PGCLOUD_ACCESS_KEY"] = id.Key
		w.Env["TF_VAR_generation"] = generation
		return w.runProgram(script, mode)
	}
	ctx := context.Background()
	keysOf := func(userID string) int {
		t.Helper()
		keys, err := p.API(t).ListMachineUserAccessKeys(ctx, p.OrgID, userID)
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}

	if out, code := pipeline("plan", planner, "1"); code != 2 {
		t.Fatalf("plan exited %d, want 2:\n%s", code, out)
	}
	if out, code := pipeline("apply", applier, "1"); code != 0 {
		t.Fatalf("apply exited %d:\n%s", code, out)
	}
	service := w.must("output", "-raw", "service_user_id")
	if n := keysOf(applier.UserID); n != 2 {
		t.Fatalf("pipeline-apply holds %d keys, want 2 (its own and the managed one)", n)
	}

	// Both keys rotate (a new generation). The plan is read-only and makes
	// it; it warns about pipeline-apply's key only.
	out, code := pipeline("plan", planner, "2")
	if code != 2 {
		t.Fatalf("the rotation's plan exited %d, want 2:\n%s", code, out)
	}
	flat := unwrap(out)
	if strings.Count(flat, "Warning: Rotation without room for both keys") != 1 ||
		!strings.Contains(flat, "machine user "+applier.UserID+" holds 2 active access keys") {
		t.Errorf("the plan does not warn exactly once, about pipeline-apply's key:\n%s", out)
	}
	if strings.Contains(flat, "machine user "+service+" holds") {
		t.Errorf("the plan warns about the service's key, which fits:\n%s", out)
	}
	out, code = pipeline("apply", applier, "2")
	if code != 1 || !strings.Contains(unwrap(out), "No room for another access key") {
		t.Fatalf("the apply of a rotation that does not fit exited %d, want 1 and no room:\n%s", code, out)
	}
	// The service's key rotated; pipeline-apply's did not, and nothing of
	// it was deleted: the pipeline's own key still works.
	if n := keysOf(service); n != 1 {
		t.Errorf("the service's machine user holds %d keys after its rotation, want 1", n)
	}
	if n := keysOf(applier.UserID); n != 2 {
		t.Errorf("pipeline-apply holds %d keys after the failed rotation, want still 2", n)
	}
	if _, err := p.APIWith(t, applier.Key).WhoAmI(ctx); err != nil {
		t.Errorf("the pipeline's key stopped working: %v", err)
	}
}

// rotatingKeysConfig has two keys that rotate with create_before_destroy
// when var.generation changes: one of a machine user of its own, and one of
// pipeline-apply, the machine user whose key the pipeline applies with.
const rotatingKeysConfig = `
terraform {
  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

provider "pgcloud" {}

variable "generation" {
  type = string
}

resource "pgcloud_machine_user" "service" {
  username = "service"
}

resource "pgcloud_access_key" "service" {
  machine_user_id = pgcloud_machine_user.service.id
  expires_in_days = 30
  keepers         = { generation = var.generation }

  lifecycle {
    create_before_destroy = true
  }
}

data "pgcloud_machine_user" "pipeline_apply" {
  username = "pipeline-apply"
}

resource "pgcloud_access_key" "pipeline_apply" {
  machine_user_id = data.pgcloud_machine_user.pipeline_apply.id
  expires_in_days = 30
  keepers         = { generation = var.generation }

  lifecycle {
    create_before_destroy = true
  }
}

output "service_user_id" {
  value = pgcloud_machine_user.service.id
}
`

// everyKindConfig uses every resource and data source of the provider, and
// an import.
const everyKindConfig = `
terraform {
  required_providers {
    pgcloud = {
      source  = "pgcloud/pgcloud"
      version = "~> 0.1"
    }
  }
}

provider "pgcloud" {}

variable "cluster_id" {
  type = string
}

variable "imported_id" {
  type = string
}

variable "password" {
  type      = string
  sensitive = true
  ephemeral = true
}

data "pgcloud_organization" "current" {}

data "pgcloud_roles" "all" {}

data "pgcloud_project" "default" {
  name = "default"
}

data "pgcloud_machine_user" "applier" {
  username = "pipeline-apply"
}

data "pgcloud_user" "applier" {
  id = data.pgcloud_machine_user.applier.id
}

data "pgcloud_postgres_cluster" "orders" {
  project_id = data.pgcloud_project.default.id
  name       = "orders"
}

data "pgcloud_postgres_cluster_users" "orders" {
  cluster_id     = var.cluster_id
  include_system = true
}

resource "pgcloud_machine_user" "probe" {
  username = "probe"
}

resource "pgcloud_access_key" "probe" {
  machine_user_id    = pgcloud_machine_user.probe.id
  expires_in_days    = 30
  rotate_before_days = 7

  lifecycle {
    create_before_destroy = true
  }
}

# A key for a machine user that exists before the plan: the plan lists its
# keys to check the quota.
resource "pgcloud_access_key" "applier_second" {
  machine_user_id = data.pgcloud_machine_user.applier.id
  expires_in_days = 1
}

resource "pgcloud_org_role_binding" "probe" {
  user_id = pgcloud_machine_user.probe.id
  role    = "org_admin"
}

resource "pgcloud_project_role_binding" "probe" {
  project_id = data.pgcloud_project.default.id
  user_id    = data.pgcloud_user.applier.id
  role       = "project_viewer"
}

resource "pgcloud_postgres_cluster_user" "write_only" {
  cluster_id          = data.pgcloud_postgres_cluster.orders.id
  username            = "probe_write_only"
  password_wo         = var.password
  password_wo_version = 1
}

resource "pgcloud_postgres_cluster_user" "in_state" {
  cluster_id = var.cluster_id
  username   = "probe_in_state"
  password   = "probe-state-password-1"
}

import {
  to = pgcloud_machine_user.imported
  id = var.imported_id
}

resource "pgcloud_machine_user" "imported" {
  username = "made-by-hand"
}
`

// ephemeralKeyConfig adds an ephemeral pgcloud_access_key and a provider
// that authenticates with it, as examples/ephemeral-resources shows.
const ephemeralKeyConfig = `
ephemeral "pgcloud_access_key" "applier" {
  machine_user_id = data.pgcloud_machine_user.applier.id
  expires_in      = "10m"
}

provider "pgcloud" {
  alias      = "applier"
  access_key = ephemeral.pgcloud_access_key.applier.secret
}

data "pgcloud_organization" "seen_by_applier" {
  provider = pgcloud.applier
}
`

// pipelineIdentity is a machine user of the pipeline with one access key,
// made the way README.md of examples/gitops says: by an org owner, outside
// the root module the pipeline applies.
type pipelineIdentity struct {
	Username, UserID, Key string
}

func newPipelineIdentity(t *testing.T, p *platform, username, role string) pipelineIdentity {
	t.Helper()
	ctx := context.Background()
	u, err := p.API(t).CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: username,
		Description: "GitOps pipeline, " + role, AccessKey: &client.AccessKeyCreate{Name: "ci", ExpiresInDays: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if u.AccessKey == nil || u.AccessKey.Secret == "" {
		t.Fatalf("the create of machine user %s returned no access key", username)
	}
	if _, err := p.API(t).CreateOrgRoleBinding(ctx, p.OrgID, u.ID, role); err != nil {
		t.Fatal(err)
	}
	return pipelineIdentity{Username: username, UserID: u.ID, Key: u.AccessKey.Secret}
}

// checkGitOpsPlan checks the saved plan of the first run as terraform show
// -json shows it: five creates, and no value of the write-only password nor
// the ephemeral variable (only that it was set).
func checkGitOpsPlan(t *testing.T, planJSON string) {
	t.Helper()
	var plan struct {
		Variables       map[string]json.RawMessage `json:"variables"`
		ResourceChanges []struct {
			Address string `json:"address"`
			Change  struct {
				Actions []string       `json:"actions"`
				After   map[string]any `json:"after"`
			} `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		t.Fatalf("terraform show -json tfplan: %v", err)
	}
	if _, ok := plan.Variables["orders_app_password"]; ok {
		t.Error("the plan records a value of the ephemeral variable orders_app_password")
	}
	var creates []string
	for _, rc := range plan.ResourceChanges {
		if strings.Join(rc.Change.Actions, ",") == "create" {
			creates = append(creates, rc.Address)
		}
		if v, ok := rc.Change.After["password_wo"]; ok && v != nil {
			t.Errorf("the plan holds a value of %s.password_wo", rc.Address)
		}
	}
	if len(creates) != 5 {
		t.Errorf("the plan creates %d resources, want 5 (two machine users, two bindings, a database user): %v", len(creates), creates)
	}
}

// leakCheck finds secrets in text: the known secrets (and the secret part of
// each known key on its own), and anything shaped like a pgcloud access key
// or session token.
type leakCheck struct {
	names, secrets []string
}

// credentialShape is an access key (pgc_) or session token (pgs_) with more
// than its public id: pg?_<12 id characters>_<40 secret characters>_<6>. A
// masked key (pgc_<id>_…abcd) does not match.
var credentialShape = regexp.MustCompile(`pg[cs]_[A-Za-z0-9_]{20,}`)

// newLeakCheck takes pairs of a name and a secret.
func newLeakCheck(pairs ...string) *leakCheck {
	c := &leakCheck{}
	for i := 0; i+1 < len(pairs); i += 2 {
		name, s := pairs[i], pairs[i+1]
		c.names, c.secrets = append(c.names, name), append(c.secrets, s)
		if parts := strings.Split(s, "_"); len(parts) == 4 && (parts[0] == "pgc" || parts[0] == "pgs") {
			c.names, c.secrets = append(c.names, "the secret part of "+name), append(c.secrets, parts[2])
		}
	}
	return c
}

// check reports where a secret shows in text, by its name: the test's
// output shows no part of it.
func (c *leakCheck) check(t *testing.T, where, text string) {
	t.Helper()
	for i, s := range c.secrets {
		if at := strings.Index(text, s); at >= 0 {
			t.Errorf("%s holds %s, at offset %d", where, c.names[i], at)
		}
	}
	if loc := credentialShape.FindStringIndex(text); loc != nil {
		// The prefix and the public key id, no more.
		t.Errorf("%s holds something shaped like a pgcloud credential (%s…) at offset %d", where, text[loc[0]:loc[0]+8], loc[0])
	}
}

// checkTree checks every file under dir but the provider binaries and the
// files that are also in sources (those the test copied there).
func (c *leakCheck) checkTree(t *testing.T, dir, sources string) (checked []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			if rel == filepath.Join(".terraform", "providers") {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Name() == "tfplan" {
			return nil // a zip archive: zipEntries reads it
		}
		if _, err := os.Stat(filepath.Join(sources, rel)); err == nil {
			return nil
		}
		c.check(t, "the file "+rel, readFile(t, path))
		checked = append(checked, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return checked
}

type zipEntry struct{ name, text string }

// zipEntries is the content of every file in the saved plan (a zip
// archive), as an artifact download holds it.
func zipEntries(t *testing.T, path string) []zipEntry {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("open the saved plan: %v", err)
	}
	defer func() { _ = r.Close() }()
	var entries []zipEntry
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close() // read-only: err says whether the entry was read whole
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, zipEntry{name: f.Name, text: string(b)})
	}
	if len(entries) == 0 {
		t.Fatal("the saved plan holds no files")
	}
	return entries
}

// serverRequest is a request line of the server's log.
type serverRequest struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
	UserID string `json:"user_id"`
}

func serverRequests(t *testing.T, p *platform) []serverRequest {
	t.Helper()
	var reqs []serverRequest
	sc := bufio.NewScanner(strings.NewReader(p.Log(t)))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		var line struct {
			Msg string `json:"msg"`
			serverRequest
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "request" {
			reqs = append(reqs, line.serverRequest)
		}
	}
	if len(reqs) == 0 {
		t.Fatal("the server logged no requests")
	}
	return reqs
}

// summaryOf is what pipeline.sh plan prints after its summary line.
func summaryOf(out string) string {
	_, summary, _ := strings.Cut(out, "pipeline: summary of")
	return summary
}

// unwrap joins the lines of terraform's wrapped error messages.
func unwrap(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
