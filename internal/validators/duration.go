package validators

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Duration returns a validator for a string holding a positive Go duration
// such as "30s" or "1m30s", the form the provider's request_timeout takes.
func Duration() validator.String {
	return durationValidator{}
}

type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return `value must be a positive duration such as "30s", "90s" or "2m" (units: ms, s, m, h)`
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be a positive duration such as `30s`, `90s` or `2m` (units: `ms`, `s`, `m`, `h`)"
}

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := CheckDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration", fmt.Sprintf("%s: %s.", req.Path, err))
	}
}

// CheckDuration parses s as the validator does and explains what is wrong with
// it. The provider uses it for values that come from the environment, where no
// schema validator runs.
func CheckDuration(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf(`%q is not a duration; write a number and a unit, such as "30s", "90s" or "2m" (units: ms, s, m, h)`, s)
	}
	if d <= 0 {
		return fmt.Errorf("%q is not positive; use a duration greater than zero, such as \"30s\"", s)
	}
	return nil
}
