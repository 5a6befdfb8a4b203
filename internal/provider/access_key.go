package provider

import (
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// What the pgcloud_access_key resource, ephemeral resource and list resource
// share: the first two create keys of machine users, the resource and the
// list resource build the same model of one.

// maxAccessKeyNameLength is the platform's limit on key names.
const maxAccessKeyNameLength = 200

// accessKeyFieldPaths maps the API's field names to the attributes, so a 422
// about a field points at the attribute that holds it.
var accessKeyFieldPaths = map[string]path.Path{
	"name":          path.Root("name"),
	"expiresInDays": path.Root("expires_in_days"),
	"userId":        path.Root("machine_user_id"),
}

// generatedKeyName names a key whose configuration gives no name: unique per
// machine user even when a replacement is created before the key it
// replaces is deleted.
func generatedKeyName(prefix string) string {
	return prefix + time.Now().UTC().Format("20060102T150405Z") + "-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:6]
}

// accessKeyResourceModel is the pgcloud_access_key resource, as its Read and
// its list resource both build it.
type accessKeyResourceModel struct {
	ID               types.String   `tfsdk:"id"`
	OrganizationID   types.String   `tfsdk:"organization_id"`
	MachineUserID    types.String   `tfsdk:"machine_user_id"`
	Name             types.String   `tfsdk:"name"`
	NamePrefix       types.String   `tfsdk:"name_prefix"`
	ExpiresInDays    types.Int64    `tfsdk:"expires_in_days"`
	RotateBeforeDays types.Int64    `tfsdk:"rotate_before_days"`
	Keepers          types.Map      `tfsdk:"keepers"`
	ExpiresAt        types.String   `tfsdk:"expires_at"`
	Secret           types.String   `tfsdk:"secret"`
	MaskedKey        types.String   `tfsdk:"masked_key"`
	State            types.String   `tfsdk:"state"`
	CreatedAt        types.String   `tfsdk:"created_at"`
	Timeouts         timeouts.Value `tfsdk:"timeouts"`
}

// setFromAPI copies what the API says about a key into the model. The secret
// is only in a create's answer, so a read keeps the one in state (none after
// an import). expires_in_days is not something the API keeps: an imported
// key gets it from its life span.
func (m *accessKeyResourceModel) setFromAPI(k *client.AccessKey) {
	m.ID = types.StringValue(k.ID)
	m.OrganizationID = types.StringValue(k.OrganizationID)
	m.MachineUserID = types.StringValue(k.UserID)
	m.Name = types.StringValue(k.Name)
	m.ExpiresAt = timestamp(k.ExpiresAt)
	m.MaskedKey = types.StringValue(k.MaskedKey)
	m.State = types.StringValue(k.State)
	m.CreatedAt = timestamp(k.Metadata.CreatedDate)
	if k.Secret != "" {
		m.Secret = types.StringValue(k.Secret)
	}
	if m.ExpiresInDays.IsNull() || m.ExpiresInDays.IsUnknown() {
		m.ExpiresInDays = types.Int64Value(lifeInDays(k))
	}
}

// lifeInDays is the expires_in_days a key was created with: the whole days
// between its creation and its expiry.
func lifeInDays(k *client.AccessKey) int64 {
	if k.Metadata.CreatedDate.IsZero() || k.ExpiresAt.IsZero() {
		return 0
	}
	return int64(math.Round(k.ExpiresAt.Sub(k.Metadata.CreatedDate).Hours() / 24))
}

// accessKeyTypeName is the resource's type name without the provider's.
const accessKeyTypeName = "access_key"

// accessKeyIdentity is an access key's identity: the same as its import ID
// "<organization_id>/<machine_user_id>/<id>".
var accessKeyIdentity = resourceIdentity{
	{name: "organization_id", description: "the id of the organization of the key's machine user (default: the provider's organization)", optional: true},
	{name: "machine_user_id", description: "the id of the machine user the key belongs to"},
	{name: "id", description: "the key's id"},
}
