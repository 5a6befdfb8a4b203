package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Int64LessThan returns a resource-level validator: when both attributes are
// known, the value of smaller must be less than the value of larger, such as
// an access key's rotate_before_days and its expires_in_days. why says what
// would go wrong otherwise; the error names both attributes and values.
func Int64LessThan(smaller, larger path.Path, why string) resource.ConfigValidator {
	return int64LessThanValidator{smaller: smaller, larger: larger, why: why}
}

type int64LessThanValidator struct {
	smaller, larger path.Path
	why             string
}

func (v int64LessThanValidator) Description(context.Context) string {
	return fmt.Sprintf("%s must be less than %s", v.smaller, v.larger)
}

func (v int64LessThanValidator) MarkdownDescription(context.Context) string {
	return fmt.Sprintf("`%s` must be less than `%s`", v.smaller, v.larger)
}

func (v int64LessThanValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var smaller, larger types.Int64
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, v.smaller, &smaller)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, v.larger, &larger)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if smaller.IsNull() || smaller.IsUnknown() || larger.IsNull() || larger.IsUnknown() {
		return
	}
	if smaller.ValueInt64() < larger.ValueInt64() {
		return
	}
	fix := fmt.Sprintf("Set %s to a value from 1 to %d.", v.smaller, larger.ValueInt64()-1)
	if larger.ValueInt64() <= 1 {
		fix = fmt.Sprintf("Raise %s, or remove %s.", v.larger, v.smaller)
	}
	resp.Diagnostics.AddAttributeError(v.smaller, "Invalid attribute combination",
		fmt.Sprintf("%s (%d) must be less than %s (%d): otherwise %s. %s",
			v.smaller, smaller.ValueInt64(), v.larger, larger.ValueInt64(), v.why, fix))
}
