package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

// What pgcloud_postgres_cluster_role and the cluster user's member_of
// share: the model of a group role, and the rules of memberships.

// predefinedRoles are PostgreSQL's own roles that a user or group role may
// be a member of; no other pg_* role.
var predefinedRoles = []string{"pg_monitor", "pg_read_all_data", "pg_read_all_stats", "pg_signal_backend", "pg_write_all_data"}

// maxMemberOf is the API's limit of memberships per role.
const maxMemberOf = 50

// memberOfAttribute is member_of: the whole set of roles a user or group
// role is a member of, validated at plan time as far as a configuration
// can show (whether a group role exists, the cluster says at apply).
func memberOfAttribute(what string) schema.SetAttribute {
	return schema.SetAttribute{
		MarkdownDescription: "Roles this " + what + " is a member of, and so whose privileges it has: PostgreSQL's predefined " +
			"`pg_read_all_data`, `pg_write_all_data`, `pg_monitor`, `pg_signal_backend` and `pg_read_all_stats`, and group roles " +
			"of the same cluster (`pgcloud_postgres_cluster_role`). At most 50. Terraform manages the whole set: a membership " +
			"granted or revoked in the cluster by hand shows as a change and is put back. Default: none.",
		ElementType: types.StringType,
		Optional:    true,
		Computed:    true,
		Default:     setdefault.StaticValue(stringSet(nil)),
		Validators: []validator.Set{
			setvalidator.SizeAtMost(maxMemberOf),
			setvalidator.ValueStringsAre(
				stringvalidator.LengthAtLeast(1),
				validators.ByteLengthAtMost(63, "PostgreSQL's limit for names"),
				stringvalidator.RegexMatches(noNUL, "must not contain the NUL character"),
				stringvalidator.Any(
					stringvalidator.OneOf(predefinedRoles...),
					stringvalidator.RegexMatches(clusterUsernameNotPgPrefixed,
						"must be a group role of the cluster or one of the predefined roles pg_read_all_data, pg_write_all_data, "+
							"pg_monitor, pg_signal_backend, pg_read_all_stats (no other pg_* role)"),
				),
				stringvalidator.NoneOfCaseInsensitive(reservedClusterUsernames...),
			),
		},
	}
}

// postgresClusterRoleResourceModel is the pgcloud_postgres_cluster_role
// resource.
type postgresClusterRoleResourceModel struct {
	ID        types.String   `tfsdk:"id"`
	ClusterID types.String   `tfsdk:"cluster_id"`
	Name      types.String   `tfsdk:"name"`
	MemberOf  types.Set      `tfsdk:"member_of"`
	Timeouts  timeouts.Value `tfsdk:"timeouts"`
}

func (m *postgresClusterRoleResourceModel) setFromAPI(r *client.ClusterRole) {
	m.ID = types.StringValue(clusterUserID(r.ClusterID, r.Name))
	m.ClusterID = types.StringValue(r.ClusterID)
	m.Name = types.StringValue(r.Name)
	m.MemberOf = stringSet(r.MemberOf)
}

// clusterRoleTypeName is the resource's type name without the provider's.
const clusterRoleTypeName = "postgres_cluster_role"

// postgresClusterRoleIdentity is a group role's identity: the same as its
// import ID "<cluster_id>/<name>".
var postgresClusterRoleIdentity = resourceIdentity{
	{name: "cluster_id", description: "the id of the cluster"},
	{name: "name", description: "the group role's name"},
}
