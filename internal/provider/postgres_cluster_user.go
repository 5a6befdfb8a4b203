package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
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
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// clusterUserID is the resource's id and import ID. Cluster ids never
// contain "/", so the first "/" separates them from the username, which may.
func clusterUserID(clusterID, username string) string { return clusterID + "/" + username }

// setFromAPI copies what the API says about a database user into the model.
// Passwords are never readable: the model keeps whatever it holds (the
// configured ones in a Read, none in a list resource's result).
func (m *postgresClusterUserResourceModel) setFromAPI(u *client.ClusterUser) {
	m.ID = types.StringValue(clusterUserID(u.ClusterID, u.Username))
	m.ClusterID = types.StringValue(u.ClusterID)
	m.Username = types.StringValue(u.Username)
}

// clusterUserTypeName is the resource's type name without the provider's.
const clusterUserTypeName = "postgres_cluster_user"

// postgresClusterUserIdentity is a cluster user's identity: the same as its
// import ID "<cluster_id>/<username>".
var postgresClusterUserIdentity = resourceIdentity{
	{name: "cluster_id", description: "the id of the cluster"},
	{name: "username", description: "the database user's name"},
}
