package provider

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// What the pgcloud_access_key resource and ephemeral resource share: both
// create keys of machine users.

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
