package provider

import (
	"slices"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// What the pgcloud_postgres_cluster_user resource and its list resource
// share: the model, the id and the identity of a database user.

// postgresClusterUserResourceModel is the pgcloud_postgres_cluster_user
// resource.
type postgresClusterUserResourceModel struct {
	ID                types.String   `tfsdk:"id"`
	ClusterID         types.String   `tfsdk:"cluster_id"`
	Username          types.String   `tfsdk:"username"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	Login             types.Bool     `tfsdk:"login"`
	ConnectionLimit   types.Int64    `tfsdk:"connection_limit"`
	ValidUntil        types.String   `tfsdk:"valid_until"`
	MemberOf          types.Set      `tfsdk:"member_of"`
	CreateDB          types.Bool     `tfsdk:"createdb"`
	Rotation          types.String   `tfsdk:"rotation"`
	ActiveUsername    types.String   `tfsdk:"active_username"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// clusterUserID is the resource's id and import ID. Cluster ids never
// contain "/", so the first "/" separates them from the username, which may.
func clusterUserID(clusterID, username string) string { return clusterID + "/" + username }

// setFromAPI copies what the API says about a database user into the model.
// Passwords are never readable: the model keeps whatever it holds (the
// configured ones in a Read, none in a list resource's result).
//
// valid_until keeps the configuration's spelling of the same instant (the
// API answers in UTC): only a different time is drift.
func (m *postgresClusterUserResourceModel) setFromAPI(u *client.ClusterUser) {
	m.ID = types.StringValue(clusterUserID(u.ClusterID, u.Username))
	m.ClusterID = types.StringValue(u.ClusterID)
	m.Username = types.StringValue(u.Username)
	m.Login = types.BoolValue(u.Login)
	m.ConnectionLimit = types.Int64Value(int64(u.ConnectionLimit))
	m.ValidUntil = sameInstant(m.ValidUntil, u.ValidUntil)
	m.MemberOf = stringSet(u.MemberOf)
	m.CreateDB = types.BoolValue(u.CreateDB)
	m.Rotation = types.StringValue(u.Rotation)
	m.ActiveUsername = types.StringValue(u.ActiveUsername)
}

// sameInstant is the API's timestamp, or prior when that is the same
// instant (to the microsecond) spelled otherwise.
func sameInstant(prior types.String, api *string) types.String {
	if api == nil {
		return types.StringNull()
	}
	if !prior.IsNull() && !prior.IsUnknown() {
		a, errA := time.Parse(time.RFC3339Nano, prior.ValueString())
		b, errB := time.Parse(time.RFC3339Nano, *api)
		// PostgreSQL keeps microseconds.
		if errA == nil && errB == nil && a.Truncate(time.Microsecond).Equal(b.Truncate(time.Microsecond)) {
			return prior
		}
	}
	return types.StringValue(*api)
}

// stringSet is a set of strings, empty (never null) for none.
func stringSet(values []string) types.Set {
	elems := make([]attr.Value, len(values))
	for i, v := range values {
		elems[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, elems)
}

// setStrings is the strings of a known set, sorted.
func setStrings(s types.Set) []string {
	out := []string{}
	for _, e := range s.Elements() {
		if v, ok := e.(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			out = append(out, v.ValueString())
		}
	}
	slices.Sort(out)
	return out
}

// clusterUserTypeName is the resource's type name without the provider's.
const clusterUserTypeName = "postgres_cluster_user"

// postgresClusterUserIdentity is a cluster user's identity: the same as its
// import ID "<cluster_id>/<username>".
var postgresClusterUserIdentity = resourceIdentity{
	{name: "cluster_id", description: "the id of the cluster"},
	{name: "username", description: "the database user's name"},
}
