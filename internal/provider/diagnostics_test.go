package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

func TestAddAPIError(t *testing.T) {
	fieldPaths := map[string]path.Path{"accessTokenType": path.Root("access_token_type")}

	t.Run("a field that maps becomes an attribute error", func(t *testing.T) {
		var diags diag.Diagnostics
		addAPIError(&diags, "Could not create machine user", &client.APIError{
			HTTPStatus: 422, Code: "INVALID_ARGUMENT", RequestID: "req-1",
			Message:  "the machine user is invalid; fix the fields below",
			Messages: []client.FieldMessage{{Field: "accessTokenType", Message: "must be bearer or jwt"}},
		}, fieldPaths)
		if len(diags) != 1 {
			t.Fatalf("want one diagnostic, got %v", diags)
		}
		d, ok := diags[0].(diag.DiagnosticWithPath)
		if !ok || !d.Path().Equal(path.Root("access_token_type")) {
			t.Fatalf("not attached to access_token_type: %v", diags[0])
		}
		for _, want := range []string{"fix the fields below", "must be bearer or jwt", "HTTP 422 INVALID_ARGUMENT", "request id req-1"} {
			if !strings.Contains(d.Detail(), want) {
				t.Errorf("detail %q lacks %q", d.Detail(), want)
			}
		}
	})

	t.Run("other fields stay in one error, without repeating the message", func(t *testing.T) {
		var diags diag.Diagnostics
		addAPIError(&diags, "Could not create machine user", &client.APIError{
			HTTPStatus: 409, Code: "QUOTA_EXCEEDED", RequestID: "req-2",
			Message: "the organization has reached its quota of 100 machine users; raise --machine-user-quota",
			Messages: []client.FieldMessage{
				{Field: "", Message: "the organization has reached its quota of 100 machine users"},
				{Field: "metadata", Message: "something else"},
			},
		}, fieldPaths)
		if len(diags) != 1 {
			t.Fatalf("want one diagnostic, got %v", diags)
		}
		if _, attached := diags[0].(diag.DiagnosticWithPath); attached {
			t.Errorf("should not be attached to an attribute: %v", diags[0])
		}
		detail := diags[0].Detail()
		if strings.Count(detail, "reached its quota") != 1 || !strings.Contains(detail, "metadata: something else") || !strings.Contains(detail, "request id req-2") {
			t.Errorf("detail: %q", detail)
		}
	})

	t.Run("errors that are not API errors are kept as they are", func(t *testing.T) {
		var diags diag.Diagnostics
		addAPIError(&diags, "Could not read machine user", errors.New("GET http://x/api/v1/whoami: connection refused"), nil)
		if len(diags) != 1 || diags[0].Detail() != "GET http://x/api/v1/whoami: connection refused" {
			t.Fatalf("got %v", diags)
		}
	})
}
