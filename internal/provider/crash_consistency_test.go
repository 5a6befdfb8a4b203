package provider

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// answerLoser stands between the provider and the server and, while armed,
// lets every create (POST) reach the server and then drops the connection
// instead of passing the answer on: the object is committed, and the
// provider never hears of it, however often its client retries. That is
// what a server killed right after its commit, or a network that fails at
// the wrong moment, does to a run.
type answerLoser struct {
	armed    atomic.Bool
	mu       sync.Mutex
	lost     int // creates whose answer was dropped
	replayed int // replays of a first answer passed on (while not armed)
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
		if !l.armed.Load() || r.Method != http.MethodPost {
			proxy.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		proxy.ServeHTTP(rec, r) // the server handles it in full
		l.mu.Lock()
		l.lost++
		l.mu.Unlock()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // and the answer is lost
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
// adopts the machine user, the binding and the database user the first one
// made (the creates carry the same Idempotency-Keys, and the server replays
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

resource "pgcloud_postgres_cluster_user" "test" {
  cluster_id          = %q
  username            = %q
  password_wo         = %q
  password_wo_version = 1
}
`, loser.server.URL, env.AdminKey, username, bound.ID, clusterID, dbUser, password)

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
		if s != nil {
			if got := s.RootModule().Resources["pgcloud_machine_user.test"]; got == nil || got.Primary.ID != users[0].ID {
				return fmt.Errorf("the state holds %v, the server %s", got, users[0].ID)
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
					if lost, _ := loser.counts(); lost < 3 {
						t.Fatalf("%d answers lost, want at least 3 (one per create)", lost)
					}
				},
				Config: config,
				Check:  onServer,
			},
		},
	})
	lost, replayed := loser.counts()
	t.Logf("%d create answers lost in the first run; %d first answers replayed to the second", lost, replayed)
	if replayed < 3 {
		t.Errorf("%d replays, want one per create (3)", replayed)
	}
}
