package provider

import (
	"context"
	"sync"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// machineUserUsernames answers the plan-time question "which machine user
// of this organization has this username" for every machine user a plan
// creates. One lookup per create is a request per resource, made twice (at
// plan and again at apply): for a module of a thousand machine users, two
// thousand requests. So the first few creates of an organization look
// their username up one by one (a plan adding one machine user to a large
// organization lists nothing), and once a plan has more than that, the
// organization's machine users are listed once, a page of a hundred per
// request, and the rest are answered from that listing.
//
// The listing is as fresh as the lookups it replaces: both are taken while
// the plan runs, and a username taken after either is refused by the
// create, with the same advice.
type machineUserUsernames struct {
	mu    sync.Mutex
	byOrg map[string]*orgUsernames
}

// lookupsBeforeListing is how many usernames of one organization are
// looked up one by one before the organization is listed instead.
const lookupsBeforeListing = 10

type orgUsernames struct {
	lookups int
	// listing is filled once (by the first check past
	// lookupsBeforeListing); failed, the checks go on one by one.
	listing struct {
		once   sync.Once
		users  map[string]client.MachineUser
		failed bool
	}
}

// find is the machine user of org named username, if there is one; an
// error is a failed look-up.
func (u *machineUserUsernames) find(ctx context.Context, c *client.Client, org, username string) (*client.MachineUser, error) {
	u.mu.Lock()
	if u.byOrg == nil {
		u.byOrg = map[string]*orgUsernames{}
	}
	o := u.byOrg[org]
	if o == nil {
		o = &orgUsernames{}
		u.byOrg[org] = o
	}
	o.lookups++
	list := o.lookups > lookupsBeforeListing
	u.mu.Unlock()

	if list {
		o.listing.once.Do(func() {
			users, err := c.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{})
			if err != nil {
				o.listing.failed = true
				return
			}
			o.listing.users = make(map[string]client.MachineUser, len(users))
			for _, mu := range users {
				o.listing.users[mu.Username] = mu
			}
		})
		if !o.listing.failed {
			if mu, ok := o.listing.users[username]; ok {
				return &mu, nil
			}
			return nil, nil
		}
	}
	found, err := c.ListMachineUsers(ctx, org, client.ListMachineUsersOptions{Username: username})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return &found[0], nil
}
