package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// providerData is what the configured provider hands to every resource and
// data source: the API client, and the organization they use when their
// configuration names none.
type providerData struct {
	client *client.Client

	// clientLogger is the client's Logger; see apiContext.
	clientLogger clientLogger

	// configuredOrganizationID is the provider's organization_id (or
	// PGCLOUD_ORGANIZATION_ID); "" means the caller's own organization.
	configuredOrganizationID string

	// now is the provider's clock; nil is time.Now. See providerData.clock.
	now func() time.Time

	// plannedMachineUsers holds "<organization_id>/<id>" of the machine
	// users this run's plan creates with a chosen id, so that plan-time
	// checks of resources that refer to them do not take them for missing.
	// See notePlannedMachineUser.
	plannedMachineUsers sync.Map

	// plannedClusterUsers holds "<cluster_id>/<username>" of the cluster
	// users this run's plan creates, for the same reason. See
	// notePlannedClusterUser.
	plannedClusterUsers sync.Map

	// dropped holds what Read dropped from state in this run because its
	// object (or the object's parent) was deleted outside Terraform, keyed
	// by resource type and identity. See parentGone.
	dropped sync.Map

	// replaced holds the resources this run's plan replaces; see
	// noteReplaced.
	replaced sync.Map

	// machineUsers answers the plan-time username checks of the machine
	// users this run creates and the refresh of those it has; clusterUsers
	// the refresh of cluster users (listing.go).
	machineUsers listing[client.MachineUser]
	clusterUsers listing[client.ClusterUser]

	// keyChanges counts, per machine user ("<organization>/<id>"), the keys
	// this run's plan adds (+1 per create, -1 per replacement, whose old key
	// goes). See accessKeyResource.checkKeyQuota.
	keyChanges struct {
		sync.Mutex
		byUser map[string]int
	}

	// accessKey is the provider's access key, from which the Idempotency-Keys
	// of creates are derived (createKey); "" in tests that make a
	// providerData by hand.
	accessKey string

	// callerUserID is the id of the access key's user ("" when the data was
	// made without a whoami, in tests).
	callerUserID string

	// callerOrganization caches the caller's organization, asked of /whoami
	// the first time something needs it. A mutex rather than sync.Once: a
	// failed look-up (network, expired key) must be tried again next time,
	// not remembered.
	callerOrganization struct {
		sync.Mutex
		id string
	}
}

func newProviderData(c *client.Client, logger clientLogger, organizationID string) *providerData {
	return &providerData{client: c, clientLogger: logger, configuredOrganizationID: organizationID}
}

// apiContext prepares ctx, the context of one operation, for the client's
// log lines; see clientLogger.prepare.
func (d *providerData) apiContext(ctx context.Context) context.Context {
	return d.clientLogger.prepare(ctx)
}

// defaultOrganizationID is the organization a resource or data source uses
// when its organization_id is not configured.
func (d *providerData) defaultOrganizationID(ctx context.Context) (string, error) {
	if d.configuredOrganizationID != "" {
		return d.configuredOrganizationID, nil
	}
	// Holding the lock across the request makes concurrent first callers wait
	// for one /whoami instead of each sending their own.
	d.callerOrganization.Lock()
	defer d.callerOrganization.Unlock()
	if d.callerOrganization.id == "" {
		me, err := d.client.WhoAmI(ctx)
		if err != nil {
			return "", err
		}
		d.callerOrganization.id = me.Organization.ID
	}
	return d.callerOrganization.id, nil
}

// organizationID is the configured organization if there is one, else the
// default organization. Failures land in diags and return "".
func (d *providerData) organizationID(ctx context.Context, configured types.String, diags *diag.Diagnostics) string {
	if !configured.IsNull() && !configured.IsUnknown() {
		return configured.ValueString()
	}
	id, err := d.defaultOrganizationID(ctx)
	if err != nil {
		// Setting organization_id (here or on the provider) avoids the
		// look-up, so the summary says so.
		addAPIError(diags, "Could not look up the caller's organization (set organization_id to skip this look-up)", err, nil)
		return ""
	}
	return id
}

// planOrganizationID plans a resource's organization_id: the configured one,
// else the provider's default, set in the plan so that it shows the real id
// instead of "known after apply" (and a changed default is visible as a
// change). Failures land in diags.
func (d *providerData) planOrganizationID(ctx context.Context, configured types.String, plan *tfsdk.Plan, diags *diag.Diagnostics) types.String {
	if !configured.IsNull() {
		return configured
	}
	id := d.organizationID(ctx, configured, diags)
	if diags.HasError() {
		return types.StringUnknown()
	}
	planned := types.StringValue(id)
	diags.Append(plan.SetAttribute(ctx, path.Root("organization_id"), planned)...)
	return planned
}

// providerDataFrom is the shared half of every resource's and data source's
// Configure: it unwraps what the provider's Configure produced.
func providerDataFrom(raw any, diags *diag.Diagnostics) *providerData {
	if raw == nil {
		// Terraform configures resources before the provider during
		// validation, and the provider stays unconfigured while its own
		// configuration is unknown; see pgcloudProvider.Configure.
		return nil
	}
	data, ok := raw.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the pgcloud provider; please report it.", raw))
		return nil
	}
	return data
}

// clock is the provider's idea of now: time.Now, or a test's clock.
func (d *providerData) clock() time.Time {
	if d.now != nil {
		return d.now()
	}
	return time.Now()
}

// notePlannedMachineUser records that the plan creates machine user id in
// organizationID (both known), which makes plannedMachineUser true for it.
// Terraform plans a resource after the resources it refers to, so a key or a
// binding of a machine user created in the same run finds it here.
func (d *providerData) notePlannedMachineUser(organizationID, id types.String) {
	if d == nil || organizationID.IsUnknown() || organizationID.IsNull() || id.IsUnknown() || id.IsNull() {
		return
	}
	d.plannedMachineUsers.Store(organizationID.ValueString()+"/"+id.ValueString(), true)
}

// plannedMachineUser reports whether this run's plan creates machine user id
// in organizationID.
func (d *providerData) plannedMachineUser(organizationID, id string) bool {
	_, ok := d.plannedMachineUsers.Load(organizationID + "/" + id)
	return ok
}

// notePlannedClusterUser records that the plan creates user username of
// cluster clusterID, which makes plannedClusterUser true for it: an action
// that refers to that user is planned after it, and must not take it for
// missing.
func (d *providerData) notePlannedClusterUser(clusterID, username string) {
	d.plannedClusterUsers.Store(clusterID+"/"+username, true)
}

// plannedClusterUser reports whether this run's plan creates user username
// of cluster clusterID.
func (d *providerData) plannedClusterUser(clusterID, username string) bool {
	_, ok := d.plannedClusterUsers.Load(clusterID + "/" + username)
	return ok
}

// noteDropped records that Read dropped the resource typeName with identity
// id from the state because it was gone.
func (d *providerData) noteDropped(typeName, id string) {
	d.dropped.Store(typeName+"\x00"+id, true)
}

// noteReplaced records that this run's plan replaces the resource typeName
// with identity id: its object goes, and what it holds (a username) is free
// for its replacement.
func (d *providerData) noteReplaced(typeName, id string) {
	d.replaced.Store(typeName+"\x00"+id, true)
}

// wasReplaced reports whether noteReplaced recorded it in this run.
func (d *providerData) wasReplaced(typeName, id string) bool {
	_, ok := d.replaced.Load(typeName + "\x00" + id)
	return ok
}

// wasDropped reports whether noteDropped recorded it in this run.
func (d *providerData) wasDropped(typeName, id string) bool {
	_, ok := d.dropped.Load(typeName + "\x00" + id)
	return ok
}

// plannedKeyChange adds delta to the keys this run's plan creates for the
// machine user parent, and returns the new count.
func (d *providerData) plannedKeyChange(parent string, delta int) int {
	d.keyChanges.Lock()
	defer d.keyChanges.Unlock()
	if d.keyChanges.byUser == nil {
		d.keyChanges.byUser = map[string]int{}
	}
	d.keyChanges.byUser[parent] += delta
	return d.keyChanges.byUser[parent]
}

// createKey is the Idempotency-Key of a create whose request is made of
// parts. It is derived from the provider's access key and the request, not
// drawn at random, so that the same create sent again in a later run (after
// the answer of the first was lost to a killed server or a killed terraform)
// carries the same key, and the server hands back the object the first one
// made instead of refusing a duplicate. An HMAC: it shows neither the key nor
// the request (which may hold a password). The server keeps a first answer
// for 24 hours, forgets it when the object is deleted, and only the same
// access key can replay it. "" (a random key) without an access key.
func (d *providerData) createKey(kind string, parts ...string) string {
	if d.accessKey == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(d.accessKey))
	m.Write([]byte("pgcloud terraform create v1\x00" + kind))
	for _, p := range parts {
		m.Write([]byte("\x00" + p))
	}
	return "tf-" + hex.EncodeToString(m.Sum(nil))[:40]
}

// withCreateKey is ctx whose create carries key (see createKey).
func withCreateKey(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return client.WithIdempotencyKey(ctx, key)
}

// wouldReplay reports whether a create with key would be answered with the
// first answer the key holds (the server says so), rather than run anew: a
// create whose object exists already is then no conflict, but its own lost
// answer, which the apply collects.
func (d *providerData) wouldReplay(ctx context.Context, key string) bool {
	if key == "" {
		return false
	}
	_, err := d.client.GetIdempotencyKey(ctx, key)
	return err == nil
}
