package validators

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// ByteLengthAtMost returns a validator for a string whose limit is in bytes,
// not characters, such as a PostgreSQL name (63 bytes). The framework's
// stringvalidator.LengthAtMost counts bytes too, but its message says
// "string length", which readers take for characters; a name with accents
// then seems to fail below the limit. This one says bytes, and why.
func ByteLengthAtMost(limit int, why string) validator.String {
	return byteLengthValidator{limit: limit, why: why}
}

type byteLengthValidator struct {
	limit int
	why   string
}

func (v byteLengthValidator) Description(context.Context) string {
	return fmt.Sprintf("value must be at most %d bytes in UTF-8 (%s)", v.limit, v.why)
}

func (v byteLengthValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v byteLengthValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if n := len(req.ConfigValue.ValueString()); n > v.limit {
		resp.Diagnostics.AddAttributeError(req.Path, "Value too long",
			fmt.Sprintf("%s must be at most %d bytes in UTF-8 (%s), got %d bytes; a character outside ASCII takes 2 to 4 bytes.",
				req.Path, v.limit, v.why, n))
	}
}
