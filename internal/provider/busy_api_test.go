package provider

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// busyUsers is how many machine users the busy-API test creates in one apply.
const busyUsers = 300

// maxBusy429s bounds the 429s of the busy-API apply. One client paces all
// the requests of a run to the server's budget, so there are none in
// practice; without pacing there are hundreds (every refill of 5 raced for
// by 10 requests). The bound leaves room for the odd one: a 429 costs a
// request a second, not a failure.
const maxBusy429s = 30

// A busy API: the server allows 5 requests a second with a burst of 5 per
// access key, and one apply creates 300 machine users 10 at a time (the
// -parallelism=10 that terraform-exec passes to every apply and destroy
// terraform-plugin-testing runs; TF_CLI_ARGS_apply could not raise or lower
// it, as the explicit flag comes after it and wins). Every create must
// succeed: the client paces itself from the X-RateLimit-* headers and
// waits out every 429 within the create's timeout, instead of giving up
// after max_retries of them. Destroy goes through the same limit. The test
// logs how long it took and which requests the server refused.
//
// The test has a server of its own, so that its rate limit slows no other
// test, and no other test's requests spend its budget.
func TestAccBusyAPI_rateLimitedApplyConverges(t *testing.T) {
	accEnv(t)
	var serverLog testenv.LockedBuffer
	env, err := testenv.Start(testenv.Options{RateLimit: 5, RateBurst: 5, MachineUserQuota: busyUsers + 100, LogTo: &serverLog})
	if err != nil {
		t.Fatalf("start a rate-limited pgcloud server: %v", err)
	}
	t.Cleanup(env.Close)

	prefix := randomName("busy")
	config := fmt.Sprintf(`
provider "pgcloud" {
  endpoint        = %q
  access_key      = %q
  organization_id = %q
}

resource "pgcloud_machine_user" "busy" {
  count    = %d
  username = "%s-${count.index}"
}
`, env.URL, env.AdminKey, env.OrgID, busyUsers, prefix)

	// The checks read the server with one list call each, so that they
	// hardly touch the rate limit themselves.
	usersOnServer := func() (int, error) {
		users, err := env.Client(env.AdminKey).ListMachineUsers(context.Background(), env.OrgID, client.ListMachineUsersOptions{})
		if err != nil {
			return 0, err
		}
		n := 0
		for _, u := range users {
			if strings.HasPrefix(u.Username, prefix+"-") {
				n++
			}
		}
		return n, nil
	}

	var start time.Time // when the step begins: ParallelTest may pause the test first
	var applied time.Duration
	var refusedByApply int
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		// The plans after the apply need not read 300 users back: this
		// test is about the writes. (The destroy does not refresh either.)
		AdditionalCLIOptions: &acc.AdditionalCLIOptions{Plan: acc.PlanOptions{NoRefresh: true}},
		Steps: []acc.TestStep{{
			PreConfig: func() { start = time.Now() },
			Config:    config,
			Check: func(s *terraform.State) error {
				applied = time.Since(start)
				refusedByApply = env.StatusCount(http.StatusTooManyRequests)
				inState := 0
				for _, rs := range s.RootModule().Resources {
					if rs.Type == "pgcloud_machine_user" && rs.Primary.ID != "" {
						inState++
					}
				}
				if inState != busyUsers {
					return fmt.Errorf("%d machine users in state, want %d", inState, busyUsers)
				}
				n, err := usersOnServer()
				if err != nil {
					return fmt.Errorf("list the machine users on the server: %w", err)
				}
				if n != busyUsers {
					return fmt.Errorf("%d machine users on the server, want %d", n, busyUsers)
				}
				if refusedByApply > maxBusy429s {
					return fmt.Errorf("the server refused %d requests with 429 during the apply, more than %d: "+
						"the provider's requests do not share the rate limit", refusedByApply, maxBusy429s)
				}
				return nil
			},
		}},
		CheckDestroy: func(*terraform.State) error {
			n, err := usersOnServer()
			if err != nil {
				return fmt.Errorf("list the machine users on the server: %w", err)
			}
			if n != 0 {
				return fmt.Errorf("%d machine users are left on the server after destroy", n)
			}
			return nil
		},
	})
	t.Logf("%d machine users created in %s (the server refused %d requests with 429 meanwhile), "+
		"destroyed by %s (%d 429s in all, %d answers in all)",
		busyUsers, applied.Round(time.Second), refusedByApply, time.Since(start).Round(time.Second),
		env.StatusCount(http.StatusTooManyRequests), env.AnswerCount())
	for _, line := range strings.Split(serverLog.String(), "\n") {
		if strings.Contains(line, `"status":429`) {
			t.Logf("refused: %s", line)
		}
	}
}

// When the rate limit leaves no room within a resource's timeouts, the
// create fails with an error that says the retries were exhausted and that
// the resource's timeouts give it more time. The server allows one request
// every 2 seconds; two machine users with a 1-second create timeout are
// created at once: the first takes the token, the second waits for the next
// one, which comes after its deadline.
func TestAccBusyAPI_giveUpNamesTheSetting(t *testing.T) {
	accEnv(t)
	env, err := testenv.Start(testenv.Options{RateLimit: 0.5, RateBurst: 1})
	if err != nil {
		t.Fatalf("start a rate-limited pgcloud server: %v", err)
	}
	t.Cleanup(env.Close)

	prefix := randomName("slow")
	acc.ParallelTest(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
provider "pgcloud" {
  endpoint        = %q
  access_key      = %q
  organization_id = %q
}

resource "pgcloud_machine_user" "slow" {
  count    = 2
  username = "%s-${count.index}"
  timeouts = { create = "1s" }
}
`, env.URL, env.AdminKey, env.OrgID, prefix),
			// Terraform wraps the text at any space.
			ExpectError: regexp.MustCompile(`Retries\s+exhausted\s+(after\s+\d+\s+attempts?|before\s+the\s+first\s+attempt)[^;]*;\s+` +
				`give\s+it\s+more\s+time\s+with\s+the\s+resource's\s+timeouts`),
		}},
	})
}
