package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"

	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// Past questionsBeforeListing reads of one organization, the rest come from
// one listing, and give what a GET gives; a machine user missing from it is
// a 404 from a GET; after this process changes a machine user there, reads
// are GETs again. Not parallel: it counts the server's answers.
func TestMachineUserListing_readsFromOneListing(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	prefix := randomName("listed")
	n := 2*questionsBeforeListing + 5
	var ids []string
	for i := range n {
		mu, err := api.CreateMachineUser(ctx, env.OrgID, client.MachineUserCreate{Username: fmt.Sprintf("%s-%02d", prefix, i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, mu.ID)
		t.Cleanup(func() { _ = api.DeleteMachineUser(context.Background(), env.OrgID, mu.ID) })
	}
	deleted := ids[n-1]
	if err := api.DeleteMachineUser(ctx, env.OrgID, deleted); err != nil {
		t.Fatal(err)
	}
	all, err := api.ListMachineUsers(ctx, env.OrgID, client.ListMachineUsersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pages := (len(all) + 99) / 100

	d := &providerData{client: api}
	got := map[string]*client.MachineUser{}
	mark := env.AnswerCount()
	for _, id := range ids[:n-1] {
		if got[id], err = d.readMachineUser(ctx, env.OrgID, id); err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
	}
	if _, err := d.readMachineUser(ctx, env.OrgID, deleted); !client.IsNotFound(err) {
		t.Errorf("a machine user deleted before the listing: %v, want a 404", err)
	}
	// questionsBeforeListing GETs, the listing's pages, and the GET of the
	// deleted user.
	if answers, want := env.AnswerCount()-mark, questionsBeforeListing+pages+1; answers != want {
		t.Errorf("%d reads took %d requests, want %d (%d one by one, %d pages of listing, 1 GET of the missing one)",
			n, answers, want, questionsBeforeListing, pages)
	}
	for _, id := range ids[:n-1] {
		want, err := api.GetMachineUser(ctx, env.OrgID, id)
		if err != nil || !reflect.DeepEqual(got[id], want) {
			t.Errorf("read %s: %+v, a GET gives %+v (%v)", id, got[id], want, err)
		}
	}

	d.machineUsers.changing(env.OrgID)
	mark = env.AnswerCount()
	if _, err := d.readMachineUser(ctx, env.OrgID, ids[0]); err != nil {
		t.Fatal(err)
	}
	if answers := env.AnswerCount() - mark; answers != 1 {
		t.Errorf("a read after a change took %d requests, want its own GET", answers)
	}
}

// A refresh that answers most reads from the organization's listing still
// finds every machine user changed or deleted outside Terraform, and the
// apply puts them back.
func TestAccMachineUser_refreshFromListingFindsDrift(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	prefix := randomName("drift")
	n := 2*questionsBeforeListing + 5
	config := fmt.Sprintf(`
resource "pgcloud_machine_user" "test" {
  count       = %d
  username    = format("%s-%%02d", count.index)
  description = "managed"
}
`, n, prefix)
	acc.ParallelTest(t, driftTestCase(t, "pgcloud_machine_user.test", config, n, checkMachineUsersDestroyed(env), func(i int, deleted bool) error {
		found, err := api.ListMachineUsers(ctx, env.OrgID, client.ListMachineUsersOptions{Username: fmt.Sprintf("%s-%02d", prefix, i)})
		if err != nil || len(found) != 1 {
			return fmt.Errorf("find machine user %d: %v %v", i, found, err)
		}
		if deleted {
			return api.DeleteMachineUser(ctx, env.OrgID, found[0].ID)
		}
		description := "changed by hand"
		_, err = api.UpdateMachineUser(ctx, env.OrgID, found[0].ID, client.MachineUserUpdate{Description: &description})
		return err
	}))
}

// driftTestCase applies config (n resources of address, counted), has
// byHand change resource i outside Terraform (or delete it), and expects
// the plan to update each changed one and re-create each deleted one, and
// the apply to converge. Resources 5 to n-1 are touched, n-2 and 3 deleted:
// with n past twice questionsBeforeListing, some are answered by their own
// GETs and the rest from the listing, whichever order Terraform reads them.
func driftTestCase(t *testing.T, address, config string, n int, checkDestroy func(*terraform.State) error,
	byHand func(i int, deleted bool) error) acc.TestCase {
	changed, deleted := []int{}, []int{3, n - 2}
	for i := 5; i < n; i++ {
		if i != n-2 {
			changed = append(changed, i)
		}
	}
	var checks []plancheck.PlanCheck
	for _, i := range changed {
		checks = append(checks, plancheck.ExpectResourceAction(fmt.Sprintf("%s[%d]", address, i), plancheck.ResourceActionUpdate))
	}
	for _, i := range deleted {
		checks = append(checks, plancheck.ExpectResourceAction(fmt.Sprintf("%s[%d]", address, i), plancheck.ResourceActionCreate))
	}
	touch := func() {
		for _, i := range append(append([]int{}, changed...), deleted...) {
			if err := byHand(i, slices.Contains(deleted, i)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		CheckDestroy:             checkDestroy,
		Steps: []acc.TestStep{
			{Config: config},
			{PreConfig: touch, Config: config, ConfigPlanChecks: acc.ConfigPlanChecks{PreApply: checks}},
			{Config: config, PlanOnly: true},
		},
	}
}

// The same for cluster users: past the first reads, the refresh answers from
// the cluster's listing, and still finds every user changed or dropped in
// the cluster by hand.
func TestAccPostgresClusterUser_refreshFromListingFindsDrift(t *testing.T) {
	env := accEnv(t)
	clusterID, pg := testCluster(t)
	prefix := randomName("cdrift")
	n := 2*questionsBeforeListing + 5
	config := fmt.Sprintf(`
resource "pgcloud_postgres_cluster_user" "test" {
  count               = %d
  cluster_id          = %q
  username            = format("%s_%%02d", count.index)
  password_wo         = "pw-${count.index}-%s"
  password_wo_version = 1
  connection_limit    = 5
}
`, n, clusterID, prefix, prefix)
	acc.ParallelTest(t, driftTestCase(t, "pgcloud_postgres_cluster_user.test", config, n, checkClusterUsersDestroyed(env), func(i int, dropped bool) error {
		statement := fmt.Sprintf(`ALTER ROLE "%s_%02d" CONNECTION LIMIT 7`, prefix, i)
		if dropped {
			statement = fmt.Sprintf(`DROP ROLE "%s_%02d"`, prefix, i)
		}
		return pg.Exec(context.Background(), statement)
	}))
}

// The plan's check of a new cluster user's name: past the first questions,
// the cluster's listing answers, for managed users, system users and free
// names alike, with no GET of the user or the cluster; after this process
// changed the cluster, a name the listing holds is checked again with a
// GET. Not parallel: it counts the server's answers.
func TestClusterUserListing_answersThePlansChecks(t *testing.T) {
	env := accEnv(t)
	clusterID, _ := testCluster(t)
	ctx := context.Background()
	api := env.Client(env.AdminKey)
	prefix := randomName("checked")
	taken := fmt.Sprintf("%s_taken", prefix)
	if _, err := api.CreateClusterUser(ctx, clusterID, client.ClusterUserCreate{Username: taken, Password: "pw-" + prefix}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = api.DeleteClusterUser(context.Background(), clusterID, taken) })
	all, err := api.ListClusterUsers(ctx, clusterID, true)
	if err != nil {
		t.Fatal(err)
	}
	pages := (len(all) + 99) / 100

	d := &providerData{client: api}
	mark := env.AnswerCount()
	for i := range questionsBeforeListing {
		// Free names, asked one by one: a 404, as from GetClusterUser.
		if u, err := d.findClusterUser(ctx, clusterID, fmt.Sprintf("%s_free_%02d", prefix, i)); u != nil || !client.IsNotFound(err) {
			t.Fatalf("free name %d, one by one: %+v %v", i, u, err)
		}
	}
	oneByOne := env.AnswerCount() - mark
	mark = env.AnswerCount()
	if u, err := d.findClusterUser(ctx, clusterID, prefix+"_free_listed"); u != nil || err != nil {
		t.Errorf("free name from the listing: %+v %v, want nil, nil", u, err)
	}
	if u, err := d.findClusterUser(ctx, clusterID, taken); err != nil || u == nil || u.Username != taken || u.System {
		t.Errorf("managed user from the listing: %+v %v", u, err)
	}
	if u, err := d.findClusterUser(ctx, clusterID, "postgres"); err != nil || u == nil || !u.System {
		t.Errorf("system user from the listing: %+v %v", u, err)
	}
	if answers := env.AnswerCount() - mark; answers != pages {
		t.Errorf("3 checks from the listing took %d requests, want the listing's %d pages", answers, pages)
	}
	if oneByOne != questionsBeforeListing {
		t.Errorf("%d checks one by one took %d requests, want one GET each", questionsBeforeListing, oneByOne)
	}

	d.clusterUsers.changing(clusterID)
	mark = env.AnswerCount()
	if u, err := d.findClusterUser(ctx, clusterID, taken); err != nil || u == nil || u.Username != taken {
		t.Errorf("managed user after a change: %+v %v", u, err)
	}
	if u, err := d.findClusterUser(ctx, clusterID, prefix+"_free_after"); u != nil || err != nil {
		t.Errorf("free name after a change: %+v %v, want nil, nil", u, err)
	}
	if answers := env.AnswerCount() - mark; answers != 1 {
		t.Errorf("after a change, the checks took %d requests, want one GET for the name the listing holds", answers)
	}
}
