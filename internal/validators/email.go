package validators

import (
	"context"
	"fmt"
	"net/mail"
	"unicode/utf8"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// Email returns a validator for a bare email address ("ci@example.com"), the
// rule the API applies: an address that net/mail accepts, without a display
// name or angle brackets, of at most 254 characters (RFC 5321).
func Email() validator.String {
	return emailValidator{}
}

type emailValidator struct{}

func (emailValidator) Description(context.Context) string {
	return `value must be a bare email address such as "ci@example.com"`
}

func (v emailValidator) MarkdownDescription(ctx context.Context) string {
	return "value must be a bare email address such as `ci@example.com`"
}

func (v emailValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	value := req.ConfigValue.ValueString()
	if isBareEmailAddress(value) {
		return
	}
	detail := fmt.Sprintf(`%s: %q is not a valid email address. Write a bare address such as "ci@example.com" (no display name, no angle brackets, at most %d characters)`, req.Path, value, maxEmailLength)
	if value == "" {
		// An empty string is how the API spells "no email"; in Terraform that
		// is an absent attribute, so say that instead of asking for an address.
		detail = fmt.Sprintf("%s: an empty string is not an email address. To leave the email unset, remove the attribute", req.Path)
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid email address", detail+".")
}

// maxEmailLength is the longest address SMTP carries (RFC 5321).
const maxEmailLength = 254

func isBareEmailAddress(s string) bool {
	if utf8.RuneCountInString(s) > maxEmailLength {
		return false
	}
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Name == "" && addr.Address == s
}
