package validators

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// RFC3339 returns a validator for a string holding an RFC 3339 timestamp
// such as "2030-01-31T00:00:00Z". Whether the time may be in the past is
// the resource's to say (a time that has passed since it was set is no
// configuration error).
func RFC3339() validator.String {
	return rfc3339Validator{}
}

type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return `value must be an RFC 3339 timestamp such as "2030-01-31T00:00:00Z"`
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string {
	return "value must be an RFC 3339 timestamp such as `2030-01-31T00:00:00Z`"
}

func (v rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339Nano, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timestamp",
			fmt.Sprintf("%s must be an RFC 3339 timestamp with a time zone, such as \"2030-01-31T00:00:00Z\" or "+
				"\"2030-01-31T09:00:00+01:00\" (Terraform's timestamp() and timeadd() give this form); got %q.",
				req.Path, req.ConfigValue.ValueString()))
	}
}
