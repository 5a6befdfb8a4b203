package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// addAPIError appends a failed API call to diags, keeping everything the
// server said: its message (written for a person to act on), the message of
// each field, the HTTP status and code, and the request id an operator needs
// to find the request in the server's logs.
//
// fieldPaths maps the API's field names (messages[].field, camelCase) to
// attribute paths; a field message that maps becomes an attribute error, so
// Terraform points at the line of configuration to fix. Other errors (a
// network failure, a timeout) are reported as the client worded them.
func addAPIError(diags *diag.Diagnostics, summary string, err error, fieldPaths map[string]path.Path) {
	apiErr, ok := client.AsAPIError(err)
	if !ok {
		diags.AddError(summary, err.Error())
		return
	}

	var unmapped []client.FieldMessage
	for _, m := range apiErr.Messages {
		attr, ok := fieldPaths[m.Field]
		if !ok {
			unmapped = append(unmapped, m)
			continue
		}
		detail := apiErr.Message
		if !strings.Contains(apiErr.Message, m.Message) {
			detail += "\n\n" + m.Message
		}
		diags.AddAttributeError(attr, summary, detail+"\n\n"+apiErrorTrailer(apiErr))
	}
	if len(apiErr.Messages) > 0 && len(unmapped) == 0 {
		return
	}

	var detail strings.Builder
	detail.WriteString(apiErr.Message)
	for _, m := range unmapped {
		if strings.Contains(apiErr.Message, m.Message) {
			continue // the server often repeats a lone field's message as the message
		}
		detail.WriteString("\n  - ")
		if m.Field != "" {
			detail.WriteString(m.Field + ": ")
		}
		detail.WriteString(m.Message)
	}
	detail.WriteString("\n\n" + apiErrorTrailer(apiErr))
	diags.AddError(summary, detail.String())
}

// apiErrorTrailer is the part of an API error a person quotes when asking the
// platform's operator about it.
func apiErrorTrailer(e *client.APIError) string {
	s := fmt.Sprintf("(HTTP %d %s", e.HTTPStatus, e.Code)
	if e.Method != "" {
		s += ", " + e.Method + " " + e.Path
	}
	if e.RequestID != "" {
		s += ", request id " + e.RequestID
	}
	return s + ")"
}
