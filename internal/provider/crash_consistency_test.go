package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// answerLoser stands between the provider and the server. It can slow
// creates down (delay) and, while armed,
// lets every create (POST) reach the server and then drops the connection
// instead of passing the answer on: the object is committed, and the
// provider never hears of it, however often its client retries. That is
// what a server killed right after its commit, or a network that fails at
// the wrong moment, does to a run.
type answerLoser struct {
	armed    atomic.Bool
	delay    atomic.Int64 // a time.Duration each create waits before it reaches the server
	mu       sync.Mutex
	lost     int    // creates whose answer was dropped
	lostBody []byte // the last answer dropped
	replayed int    // replays of a first answer passed on (while not armed)
	server   *httptest.Server
}

func newAnswerLoser(t *testing.T, target string) *answerLoser {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	l := &answerLoser{}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(res *http.Response) error {
		if !l.armed.Load() && res.Header.Get("Idempotent-Replayed") == "true" {
			l.mu.Lock()
			l.replayed++
			l.mu.Unlock()
		}
		return nil
	}
	l.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			time.Sleep(time.Duration(l.delay.Load()))
		}
		if !l.armed.Load() || r.Method != http.MethodPost {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r) // the server handles it in full
		l.mu.Lock()
		l.lost++
		l.lostBody = rec.Body.Bytes()
		l.mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close() // and the answer is lost
		}
	}))
	t.Cleanup(l.server.Close)
	return l
}

func (l *answerLoser) counts() (lost, replayed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost, l.replayed
}

// A run whose creates were committed but whose answers were lost fails;
// the next run, with nothing changed and no manual step, converges: it
// adopts the machine user, the binding, the access key (with a configured
// name; its secret is delivered) and the database user the first one made (the creates carry the same Idempotency-Keys, and the server replays
// their first answers), with no duplicate, no orphan and no error, and the
// plan after it is empty.
func TestAccCrashConsistency_lostCreateAnswers(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	bound, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("bound")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, bound.ID) })
	loser := newAnswerLoser(t, env.URL)
	username, dbUser, password := randomName("lost"), randomName("lost_db"), "a-lost-password-1"
	config := fmt.Sprintf(`
provider "pgcloud" {
  endpoint    = %q
  access_key  = %q
  max_retries = 1
}

resource "pgcloud_machine_user" "test" {
  username    = %q
  description = "made by a run that never heard back"
}

resource "pgcloud_org_role_binding" "test" {
  user_id = %q
  role    = "org_admin"
}

resource "pgcloud_access_key" "test" {
  machine_user_id = %q
  name            = "deploy"
  expires_in_days = 7
}

resource "pgcloud_postgres_cluster_user" "test" {
  cluster_id          = %q
  username            = %q
  password_wo         = %q
  password_wo_version = 1
}
`, loser.server.URL, env.AdminKey, username, bound.ID, bound.ID, clusterID, dbUser, password)

	onServer := func(s *terraform.State) error {
		users, err := api.ListMachineUsers(ctx, env.OrgID, client.ListMachineUsersOptions{Username: username})
		if err != nil || len(users) != 1 {
			return fmt.Errorf("machine users named %s: %d (%v), want 1", username, len(users), err)
		}
		bindings, err := api.ListOrgRoleBindings(ctx, env.OrgID, client.RoleBindingFilter{UserID: bound.ID})
		if err != nil || len(bindings) != 1 {
			return fmt.Errorf("bindings of %s: %d (%v), want 1", bound.ID, len(bindings), err)
		}
		if err := pg.ConnectAs(ctx, dbUser, password); err != nil {
			return fmt.Errorf("log in as %s: %w", dbUser, err)
		}
		keys, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, bound.ID)
		if err != nil || len(keys) != 1 {
			return fmt.Errorf("keys of %s: %d (%v), want 1 (no orphan)", bound.ID, len(keys), err)
		}
		if s != nil {
			if got := s.RootModule().Resources["pgcloud_machine_user.test"]; got == nil || got.Primary.ID != users[0].ID {
				return fmt.Errorf("the state holds %v, the server %s", got, users[0].ID)
			}
			// The adopted key's secret was delivered: it authenticates.
			key := s.RootModule().Resources["pgcloud_access_key.test"]
			if key == nil || key.Primary.ID != keys[0].ID {
				return fmt.Errorf("the state holds key %v, the server %s", key, keys[0].ID)
			}
			if _, err := env.Client(key.Primary.Attributes["secret"]).WhoAmI(ctx); err != nil {
				return fmt.Errorf("the adopted key's secret: %w", err)
			}
		}
		return nil
	}

	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy: func(s *terraform.State) error {
			if users, _ := api.ListMachineUsers(ctx, env.OrgID, client.ListMachineUsersOptions{Username: username}); len(users) != 0 {
				return fmt.Errorf("%s still exists", username)
			}
			return checkRoleBindingsDestroyed(env)(s)
		},
		Steps: []acc.TestStep{
			{
				PreConfig:   func() { loser.armed.Store(true) },
				Config:      config,
				ExpectError: errorText("Could not create"),
			},
			{
				PreConfig: func() {
					loser.armed.Store(false)
					// The first run did make everything, and knows none of it.
					if err := onServer(nil); err != nil {
						t.Fatalf("after the lost answers: %v", err)
					}
					if lost, _ := loser.counts(); lost < 4 {
						t.Fatalf("%d answers lost, want at least 4 (one per create)", lost)
					}
				},
				Config: config,
				Check:  onServer,
			},
		},
	})
	lost, replayed := loser.counts()
	t.Logf("%d create answers lost in the first run; %d first answers replayed to the second", lost, replayed)
	if replayed < 4 {
		t.Errorf("%d replays, want one per create (4)", replayed)
	}
}

// A key with a generated name whose create answer was lost cannot be
// adopted: the next run generates another name. It is not left to count
// against the machine user's quota of 2 either: the provider creates keys
// unconfirmed and confirms them once it holds the secret, so the lost one
// works for nobody, takes no place (the next run fits a new key beside the
// machine user's other key, where the lost one would have filled the
// quota), and the server deletes it when its lease runs out.
func TestAccCrashConsistency_lostAnswerOfGeneratedKey(t *testing.T) {
	env, err := testenv.Start(testenv.Options{UnconfirmedKeyLease: 3 * time.Second, PurgeInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("generated")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.CreateMachineUserAccessKey(ctx, env.OrgID, mu.ID, client.AccessKeyCreate{Name: "held-elsewhere", ExpiresInDays: 30}); err != nil {
		t.Fatal(err)
	}
	loser := newAnswerLoser(t, env.URL)
	config := fmt.Sprintf(`
provider "pgcloud" {
  endpoint    = %q
  access_key  = %q
  max_retries = 1
}

resource "pgcloud_access_key" "test" {
  machine_user_id = %q
  expires_in_days = 7
}
`, loser.server.URL, env.AdminKey, mu.ID)
	keyStates := func() map[string]int {
		keys, err := api.ListMachineUserAccessKeys(ctx, env.OrgID, mu.ID)
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		for _, k := range keys {
			states[k.State]++
		}
		return states
	}
	var orphan client.AccessKey

	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{
				PreConfig:   func() { loser.armed.Store(true) },
				Config:      config,
				ExpectError: errorText("Could not create access key"),
			},
			{
				PreConfig: func() {
					loser.armed.Store(false)
					loser.mu.Lock()
					err := json.Unmarshal(loser.lostBody, &orphan)
					loser.mu.Unlock()
					if err != nil || orphan.Secret == "" {
						t.Fatalf("the lost answer %v: %v", orphan.ID, err)
					}
					if got := keyStates(); got[client.AccessKeyStateActive] != 1 || got[client.AccessKeyStateUnconfirmed] != 1 {
						t.Fatalf("after the lost answer the machine user holds %v, want 1 active and 1 unconfirmed key", got)
					}
					if _, err := env.Client(orphan.Secret).WhoAmI(ctx); !client.IsUnauthenticated(err) {
						t.Fatalf("the lost key authenticates (%v): it must work for nobody until confirmed", err)
					}
				},
				// Where the lost key counted, this plan would fail: No room
				// for another access key.
				Config: config,
				Check: func(s *terraform.State) error {
					key := s.RootModule().Resources["pgcloud_access_key.test"]
					if key == nil || key.Primary.ID == orphan.ID {
						return fmt.Errorf("the state holds %v, want a new key", key)
					}
					if _, err := env.Client(key.Primary.Attributes["secret"]).WhoAmI(ctx); err != nil {
						return fmt.Errorf("the new key's secret: %w", err)
					}
					return nil
				},
			},
			{
				PreConfig: func() {
					// The lease runs out; the purge deletes the lost key.
					deadline := time.Now().Add(15 * time.Second)
					for keyStates()[client.AccessKeyStateUnconfirmed] != 0 {
						if time.Now().After(deadline) {
							t.Fatalf("the lost key is still there 15 s after its lease of 3 s: %v", keyStates())
						}
						time.Sleep(100 * time.Millisecond)
					}
					if got := keyStates(); got[client.AccessKeyStateActive] != 2 || len(got) != 1 {
						t.Fatalf("the machine user holds %v, want its 2 active keys", got)
					}
				},
				Config:   config,
				PlanOnly: true, // nothing to change: the key in state is confirmed and stays
			},
		},
	})
}

// terraform itself killed (SIGKILL, with its provider) in the middle of an
// apply: some machine users are made, the state knows of few or none. The
// next apply, with no manual step, converges to exactly the configured
// machine users, and the plan after it is empty. Run with the real CLI and
// the provider built as a binary, as a pipeline runs them.
func TestAccCrashConsistency_terraformKilledMidApply(t *testing.T) {
	env := accEnv(t)
	cli := newTerraformDir(t)
	// Creates answered slowly, so that the kill lands in the middle.
	slow := newAnswerLoser(t, env.URL)
	slow.delay.Store(int64(150 * time.Millisecond))
	const count = 24
	prefix := randomName("killed")
	cli.write("main.tf", cliProviderConfig(slow.server.URL, env.AdminKey)+fmt.Sprintf(`
resource "pgcloud_machine_user" "ci" {
  count    = %d
  username = "%s-${count.index}"
}
`, count, prefix))
	tf := cli.command
	cli.run("init", "-input=false")
	api := env.Client(env.AdminKey)
	ctx := context.Background()
	made := func() int {
		n := 0
		users, err := api.ListMachineUsers(ctx, env.OrgID, client.ListMachineUsersOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if strings.HasPrefix(u.Username, prefix+"-") {
				n++
			}
		}
		return n
	}
	t.Cleanup(func() {
		users, _ := api.ListMachineUsers(context.Background(), env.OrgID, client.ListMachineUsersOptions{})
		for _, u := range users {
			if strings.HasPrefix(u.Username, prefix+"-") {
				_ = api.DeleteMachineUser(context.Background(), env.OrgID, u.ID)
			}
		}
	})

	apply := tf("apply", "-input=false", "-auto-approve", "-parallelism=4")
	var out bytes.Buffer
	apply.Stdout, apply.Stderr = &out, &out
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for made() < 5 {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-apply.Process.Pid, syscall.SIGKILL)
			t.Fatalf("no 5 machine users after 60s:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = apply.Wait()
	before := made()
	if before >= count {
		t.Fatalf("all %d machine users were made before the kill; the test proves nothing", count)
	}
	t.Logf("killed terraform with %d of %d machine users made", before, count)

	slow.delay.Store(0)
	again := tf("apply", "-input=false", "-auto-approve")
	if out, err := again.CombinedOutput(); err != nil {
		t.Fatalf("the apply after the kill: %v\n%s", err, out)
	}
	if n := made(); n != count {
		t.Errorf("%d machine users named %s-*, want %d (no duplicate, none missing)", n, prefix, count)
	}
	plan := tf("plan", "-input=false", "-detailed-exitcode")
	if out, err := plan.CombinedOutput(); err != nil {
		t.Errorf("the plan after the second apply is not empty (%v):\n%s", err, out)
	}
	destroy := tf("destroy", "-input=false", "-auto-approve")
	if out, err := destroy.CombinedOutput(); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	if n := made(); n != 0 {
		t.Errorf("%d machine users left after destroy", n)
	}
}

// sideEffect is a plan check that acts between the plan and the apply, as
// someone working by hand at that moment would.
type sideEffect func()

func (f sideEffect) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, _ *plancheck.CheckPlanResponse) {
	f()
}

// Where adoption is impossible (the object was made between plan and apply
// by someone else, not by this create), the apply's error names the object
// and the import that adopts it.
func TestAccCrashConsistency_takenBetweenPlanAndApply(t *testing.T) {
	env := accEnv(t)
	clusterID, _ := testCluster(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	target, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: randomName("target")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, target.ID) })
	username, dbUser, chosenID := randomName("taken"), randomName("taken_db"), randomName("taken-id")
	t.Cleanup(func() {
		_ = api.DeleteMachineUser(context.Background(), env.OrgID, chosenID)
		_ = api.DeleteClusterUser(context.Background(), clusterID, dbUser)
	})
	for _, c := range []struct {
		what, config string
		byHand       func() error
		want         string
	}{
		{"machine user", machineUserConfig(fmt.Sprintf("username = %q", username)),
			func() error {
				_, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{ID: chosenID, Username: username})
				return err
			},
			fmt.Sprintf("terraform import <address> %s/%s", env.OrgID, chosenID)},
		{"binding", fmt.Sprintf("resource \"pgcloud_org_role_binding\" \"test\" {\n  user_id = %q\n  role    = \"org_admin\"\n}\n", target.ID),
			func() error {
				_, err := api.CreateOrgRoleBinding(ctx, env.OrgID, target.ID, client.RoleOrgAdmin)
				return err
			},
			fmt.Sprintf("terraform import <address> %s/%s/org_admin", env.OrgID, target.ID)},
		{"cluster user", clusterUserWriteOnlyConfig(clusterID, dbUser, "a-good-password-1", 1),
			func() error {
				_, err := api.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: dbUser, Password: "another-password-1"})
				return err
			},
			fmt.Sprintf("terraform import <address> %s/%s", clusterID, dbUser)},
	} {
		t.Run(c.what, func(t *testing.T) {
			ran := false
			acc.Test(t, acc.TestCase{
				ProtoV6ProviderFactories: protoV6ProviderFactories,
				Steps: []acc.TestStep{{
					Config: c.config,
					ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						sideEffect(func() {
							ran = true
							if err := c.byHand(); err != nil {
								t.Errorf("by hand: %v", err)
							}
						}),
					}},
					ExpectError: errorText(c.want),
				}},
			})
			if !ran {
				t.Fatal("the plan check never ran")
			}
		})
	}
}

// The server itself killed (SIGKILL) right after it committed a create,
// before the answer left it, and down until the client's retries gave up;
// then started again on the same data directory. The next apply converges.
// The server runs as its own process, built from cmd/pgcloud-server; a proxy
// in front of it sees the first create's answer come back from the server
// and kills the server instead of passing the answer on.
func TestAccCrashConsistency_serverKilledAfterCommit(t *testing.T) {
	accEnv(t) // an acceptance test; it runs its own server
	dir := t.TempDir()
	bin := filepath.Join(dir, "pgcloud-server")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/pgcloud-server").CombinedOutput(); err != nil {
		t.Fatalf("build the server: %v\n%s", err, out)
	}
	dataDir, addrFile := filepath.Join(dir, "data"), filepath.Join(dir, "addr")
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port the server keeps across its restart
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	var server *exec.Cmd
	start := func() {
		t.Helper()
		_ = os.Remove(addrFile) // the previous run's, if any: start waits for a new one
		server = exec.Command(bin, "serve", "--listen", listen, "--data-dir", dataDir, "--addr-file", addrFile, "--rate-limit", "0")
		if err := server.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(addrFile); err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the server did not start")
			}
		}
	}
	start()
	t.Cleanup(func() { _ = server.Process.Kill(); _, _ = server.Process.Wait() })
	raw, err := os.ReadFile(filepath.Join(dataDir, "bootstrap-access-key"))
	if err != nil {
		t.Fatal(err)
	}
	adminKey := strings.TrimSpace(string(raw))

	var killed atomic.Bool
	target, _ := url.Parse("http://" + listen)
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || killed.Load() {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r)
		if rec.Code == http.StatusCreated && killed.CompareAndSwap(false, true) {
			// Committed, answered, and the server dies before the answer
			// is on its way.
			_ = server.Process.Signal(syscall.SIGKILL)
			_, _ = server.Process.Wait()
		}
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_ = conn.Close()
		}
	}))
	t.Cleanup(front.Close)
	username := randomName("survivor")
	config := fmt.Sprintf(`
provider "pgcloud" {
  endpoint    = %q
  access_key  = %q
  max_retries = 1
}

resource "pgcloud_machine_user" "test" {
  username = %q
}
`, front.URL, adminKey, username)
	api, err := client.New(client.Config{Endpoint: "http://" + listen, AccessKey: adminKey})
	if err != nil {
		t.Fatal(err)
	}
	count := func() int {
		me, err := api.WhoAmI(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		users, err := api.ListMachineUsers(context.Background(), me.Organization.ID, client.ListMachineUsersOptions{Username: username})
		if err != nil {
			t.Fatal(err)
		}
		return len(users)
	}
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{
			{Config: config, ExpectError: errorText("Could not create machine user")},
			{
				PreConfig: func() {
					if !killed.Load() {
						t.Fatal("the server was never killed")
					}
					start() // the same data directory, the same port
					if n := count(); n != 1 {
						t.Fatalf("%d machine users named %s after the restart, want 1 (the create was committed)", n, username)
					}
				},
				Config: config,
				Check: func(*terraform.State) error {
					if n := count(); n != 1 {
						return fmt.Errorf("%d machine users named %s, want 1", n, username)
					}
					return nil
				},
			},
		},
	})
}
