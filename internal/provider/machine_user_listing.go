package provider

import (
	"context"
	"sync"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// machineUserListing answers, for a run with many machine users, the two
// questions it asks of each one: at plan time "which machine user of this
// organization has this username" (for every create), and at refresh "what
// is machine user X now" (for every machine user in the state). One request
// per question is a request per resource: for a module of a thousand machine
// users, a thousand GETs per plan and two thousand username look-ups per
// first apply. So the first few questions about an organization are asked
// one by one (a plan adding one machine user to a large organization lists
// nothing), and past that the organization's machine users are listed once,
// a page of a hundred per request, and the rest are answered from that
// listing.
//
// The listing is as fresh as the requests it replaces: all are taken while
// the plan runs. A username taken after it is refused by the create, with
// the same advice. A machine user missing from it is read with a GET, so a
// user deleted outside Terraform is reported by the same 404 as before, and
// once this process has changed a machine user of the organization (which
// Terraform does in the apply, not the refresh), reads there go back to
// GETs.
type machineUserListing struct {
	mu    sync.Mutex
	byOrg map[string]*orgMachineUsers
}

// questionsBeforeListing is how many questions about one organization are
// asked one by one before the organization is listed instead.
const questionsBeforeListing = 10

type orgMachineUsers struct {
	questions int
	// changed: this process created, updated or deleted one of the
	// organization's machine users, so the listing may be older than that.
	changed bool
	// listing is filled once (by the first question past
	// questionsBeforeListing); failed, the questions go on one by one.
	listing struct {
		once       sync.Once
		byID       map[string]client.MachineUser
		byUsername map[string]client.MachineUser
		failed     bool
	}
}

// ask counts one more question about org when question is set, and
// returns its entry, whether the listing should answer (past
// questionsBeforeListing) and whether this process has changed one of its
// machine users.
func (l *machineUserListing) ask(org string, question bool) (o *orgMachineUsers, fromListing, changed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byOrg == nil {
		l.byOrg = map[string]*orgMachineUsers{}
	}
	o = l.byOrg[org]
	if o == nil {
		o = &orgMachineUsers{}
		l.byOrg[org] = o
	}
	if question {
		o.questions++
	}
	return o, o.questions > questionsBeforeListing, o.changed
}

// listed lists the organization's machine users the first time it is
// called; false when that listing failed.
func (o *orgMachineUsers) listed(ctx context.Context, c *client.Client, org string) bool {
	o.listing.once.Do(func() {
		users, err := c.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{})
		if err != nil {
			o.listing.failed = true
			return
		}
		o.listing.byID = make(map[string]client.MachineUser, len(users))
		o.listing.byUsername = make(map[string]client.MachineUser, len(users))
		for _, mu := range users {
			o.listing.byID[mu.ID] = mu
			o.listing.byUsername[mu.Username] = mu
		}
	})
	return !o.listing.failed
}

// findByUsername is the machine user of org named username, if there is
// one; an error is a failed look-up.
func (l *machineUserListing) findByUsername(ctx context.Context, c *client.Client, org, username string) (*client.MachineUser, error) {
	// A username this process has just taken is no conflict for another
	// create of it, so a listing older than this process's changes answers
	// as well as a look-up would.
	if o, fromListing, _ := l.ask(org, true); fromListing && o.listed(ctx, c, org) {
		if mu, ok := o.listing.byUsername[username]; ok {
			return &mu, nil
		}
		return nil, nil
	}
	found, err := c.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{Username: username})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}

// get reads machine user id of org, as client.GetMachineUser does.
func (l *machineUserListing) get(ctx context.Context, c *client.Client, org, id string) (*client.MachineUser, error) {
	if o, fromListing, changed := l.ask(org, true); fromListing && !changed && o.listed(ctx, c, org) {
		if mu, ok := o.listing.byID[id]; ok {
			return &mu, nil
		}
	}
	return c.GetMachineUser(ctx, org, id)
}

// changing notes, before it is sent, a create, update or delete of a machine
// user of org by this process: the reads of org stop using the listing.
func (l *machineUserListing) changing(org string) {
	o, _, _ := l.ask(org, false)
	l.mu.Lock()
	o.changed = true
	l.mu.Unlock()
}
