package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testoidc"
)

// examples/secretless-pipeline as a CI job runs it: no pgcloud key anywhere
// in terraform's environment, only the file of an OIDC ID token that a real
// issuer signed (on loopback, so the server runs with --allow-http-issuers)
// and a federated credential of the pipeline's machine user trusts. The
// provider exchanges it; the machine user the apply creates is created by
// the pipeline's machine user; neither token reaches the output, the trace
// log, the saved plan or the state.
func TestSecretlessPipeline(t *testing.T) {
	needAcc(t)
	ctx := context.Background()
	p := startPlatform(t, "--allow-http-issuers")
	iss, err := testoidc.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(iss.Close)

	// The organization owner's one-time setup.
	admin := p.API(t)
	pipeline, err := admin.CreateMachineUser(ctx, p.OrgID, client.MachineUserCreate{Username: "acme-infra-pipeline"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateOrgRoleBinding(ctx, p.OrgID, pipeline.ID, "org_owner"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateFederatedCredential(ctx, p.OrgID, pipeline.ID, client.FederatedCredentialCreate{
		Name: "github-main", Issuer: iss.URL, Subject: "repo:acme/infra:ref:refs/heads/main"}); err != nil {
		t.Fatal(err)
	}

	// The CI job: its ID token in a file, the server's URL as audience.
	idToken, err := iss.Token(testoidc.Claims{"aud": p.URL, "sub": "repo:acme/infra:ref:refs/heads/main", "jti": "run-7"})
	if err != nil {
		t.Fatal(err)
	}
	tokenFile := filepath.Join(t.TempDir(), "id-token")
	if err := os.WriteFile(tokenFile, []byte(idToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(t.TempDir(), "trace.log")
	w := newWorkspace(t, filepath.Join(copyExamples(t), "secretless-pipeline"), p)
	delete(w.Env, "PGCLOUD_ACCESS_KEY")
	w.Env["PGCLOUD_OIDC_TOKEN_FILE"] = tokenFile
	w.Env["TF_LOG"] = "TRACE"
	w.Env["TF_LOG_PATH"] = logFile
	for _, kv := range w.environ() {
		if strings.Contains(kv, "pgc_") || strings.Contains(kv, "pgs_") {
			name, _, _ := strings.Cut(kv, "=")
			t.Fatalf("terraform's environment holds a pgcloud credential in %s", name)
		}
	}

	var outputs []string
	outputs = append(outputs, w.must("init", "-input=false"))
	outputs = append(outputs, w.must("plan", "-input=false", "-out=tfplan"))
	outputs = append(outputs, w.must("apply", "-input=false", "tfplan"))
	outputs = append(outputs, w.must("show", "-json", "tfplan"))
	outputs = append(outputs, w.must("show", "-json"))
	if out, code := w.run("plan", "-input=false", "-detailed-exitcode"); code != 0 {
		t.Errorf("the plan after apply exited %d, want 0 (no changes):\n%s", code, out)
	} else {
		outputs = append(outputs, out)
	}

	// The apply acted as the pipeline's machine user.
	id := strings.TrimSpace(w.must("output", "-raw", "service_machine_user_id"))
	mu, err := admin.GetMachineUser(ctx, p.OrgID, id)
	if err != nil {
		t.Fatal(err)
	}
	if mu.Metadata.CreatedBy != pipeline.ID {
		t.Errorf("the machine user was created by %q, want the pipeline's machine user %q", mu.Metadata.CreatedBy, pipeline.ID)
	}
	tokens, err := admin.ListMachineUserSessionTokens(ctx, p.OrgID, pipeline.ID)
	if err != nil || len(tokens) == 0 {
		t.Fatalf("session tokens of the pipeline: %v %v", tokens, err)
	}
	if keys, err := admin.ListMachineUserAccessKeys(ctx, p.OrgID, pipeline.ID); err != nil || len(keys) != 0 {
		t.Errorf("the pipeline's machine user has access keys: %v %v", keys, err)
	}
	if log := p.Log(t); !strings.Contains(log, `"msg":"token exchange"`) || !strings.Contains(log, `"jti":"run-7"`) {
		t.Errorf("the server logged no token exchange of run-7")
	}

	pairs := []string{"the ID token", idToken, "the bootstrap key", p.Key}
	for _, tok := range tokens {
		pairs = append(pairs, "exchanged session token "+tok.ID, "pgs_"+tok.ID+"_")
	}
	leaks := newLeakCheck(pairs...)
	for i, out := range outputs {
		leaks.check(t, "terraform output "+string(rune('1'+i)), out)
	}
	trace, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(trace), "pgcloud API request") {
		t.Errorf("the TF_LOG=TRACE log has no line of the provider's API requests: TF_LOG did not reach the provider")
	}
	leaks.check(t, "the TF_LOG=TRACE log", string(trace))
	leaks.checkTree(t, w.Dir, filepath.Join(build.repository, "examples", "secretless-pipeline"))
	leaks.check(t, "the server's log", p.Log(t))

	w.must("destroy", "-input=false", "-auto-approve")
	if _, err := admin.GetMachineUser(ctx, p.OrgID, id); !client.IsNotFound(err) {
		t.Errorf("the service's machine user after destroy: %v", err)
	}
}
