package validators_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

type stringCase struct {
	value     types.String
	wantError string // "" = valid; otherwise a fragment of the error detail
}

func runStringValidator(t *testing.T, v validator.String, cases map[string]stringCase) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := validator.StringRequest{Path: path.Root("attr"), ConfigValue: tc.value}
			resp := &validator.StringResponse{}
			v.ValidateString(context.Background(), req, resp)

			if tc.wantError == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("want no error, got %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() {
				t.Fatalf("want an error containing %q, got none", tc.wantError)
			}
			detail := resp.Diagnostics.Errors()[0].Detail()
			if !strings.Contains(detail, tc.wantError) {
				t.Fatalf("want an error containing %q, got %q", tc.wantError, detail)
			}
		})
	}
}

func TestByteLengthAtMost(t *testing.T) {
	runStringValidator(t, validators.ByteLengthAtMost(4, "the limit"), map[string]stringCase{
		"at the limit":       {value: types.StringValue("abcd")},
		"two-byte letters":   {value: types.StringValue("üü")},
		"over, in bytes":     {value: types.StringValue("üüü"), wantError: "attr must be at most 4 bytes in UTF-8 (the limit), got 6 bytes"},
		"over, in ASCII":     {value: types.StringValue("abcde"), wantError: "got 5 bytes"},
		"null is left alone": {value: types.StringNull()},
	})
}

func TestDuration(t *testing.T) {
	runStringValidator(t, validators.Duration(), map[string]stringCase{
		"seconds":        {value: types.StringValue("30s")},
		"compound":       {value: types.StringValue("1m30s")},
		"milliseconds":   {value: types.StringValue("1500ms")},
		"null":           {value: types.StringNull()},
		"unknown":        {value: types.StringUnknown()},
		"no unit":        {value: types.StringValue("30"), wantError: `"30" is not a duration`},
		"words":          {value: types.StringValue("thirty seconds"), wantError: "write a number and a unit"},
		"empty":          {value: types.StringValue(""), wantError: "is not a duration"},
		"zero":           {value: types.StringValue("0s"), wantError: "is not positive"},
		"negative":       {value: types.StringValue("-5s"), wantError: "is not positive"},
		"names the path": {value: types.StringValue("x"), wantError: "attr:"},
	})
}

func TestEmail(t *testing.T) {
	runStringValidator(t, validators.Email(), map[string]stringCase{
		"plain":              {value: types.StringValue("ci@example.com")},
		"plus and subdomain": {value: types.StringValue("ci+deploy@mail.example.co.uk")},
		"null":               {value: types.StringNull()},
		"unknown":            {value: types.StringUnknown()},
		"empty":              {value: types.StringValue(""), wantError: "remove the attribute"},
		"no at":              {value: types.StringValue("ci.example.com"), wantError: "is not a valid email address"},
		"display name":       {value: types.StringValue("CI <ci@example.com>"), wantError: "no display name"},
		"angle brackets":     {value: types.StringValue("<ci@example.com>"), wantError: "is not a valid email address"},
		"spaces":             {value: types.StringValue("c i@example.com"), wantError: "is not a valid email address"},
	})
}

func TestCheckDuration(t *testing.T) {
	if err := validators.CheckDuration("45s"); err != nil {
		t.Fatalf("45s: %v", err)
	}
	if err := validators.CheckDuration("soon"); err == nil {
		t.Fatal("soon: want an error")
	}
}

func TestRFC3339(t *testing.T) {
	runStringValidator(t, validators.RFC3339(), map[string]stringCase{
		"utc":     {value: types.StringValue("2030-01-31T00:00:00Z")},
		"offset":  {value: types.StringValue("2030-01-31T09:00:00+01:00")},
		"nanos":   {value: types.StringValue("2030-01-31T09:00:00.123456Z")},
		"past":    {value: types.StringValue("2001-01-01T00:00:00Z")},
		"null":    {value: types.StringNull()},
		"unknown": {value: types.StringUnknown()},
		"date":    {value: types.StringValue("2030-01-31"), wantError: "RFC 3339"},
		"no zone": {value: types.StringValue("2030-01-31T00:00:00"), wantError: "time zone"},
		"words":   {value: types.StringValue("tomorrow"), wantError: `got "tomorrow"`},
	})
}
