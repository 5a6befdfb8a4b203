package provider

import (
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

// optionalString maps the API's "" (how it spells "not set") to null, the way
// Terraform spells it, so an absent attribute never shows a diff.
func optionalString(s string) types.String {
	if s == "" {
		return types.StringNull()
	}
	return types.StringValue(s)
}

// timestamp is how every *_at attribute shows a time: RFC 3339 in UTC.
func timestamp(t time.Time) types.String {
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// quotedList writes values as Markdown code, for schema descriptions.
func quotedList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "`" + v + "`"
	}
	return strings.Join(q, ", ")
}
