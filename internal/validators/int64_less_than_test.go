package validators_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

func TestInt64LessThan(t *testing.T) {
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"rotate_before_days": schema.Int64Attribute{Optional: true},
		"expires_in_days":    schema.Int64Attribute{Optional: true},
	}}
	objectType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"rotate_before_days": tftypes.Number, "expires_in_days": tftypes.Number,
	}}
	number := func(v any) tftypes.Value { return tftypes.NewValue(tftypes.Number, v) }
	v := validators.Int64LessThan(path.Root("rotate_before_days"), path.Root("expires_in_days"), "every plan would replace the key")

	for name, tc := range map[string]struct {
		smaller, larger any
		wantError       string
	}{
		"less":             {7, 30, ""},
		"equal":            {30, 30, "rotate_before_days (30) must be less than expires_in_days (30): otherwise every plan would replace the key. Set rotate_before_days to a value from 1 to 29."},
		"greater":          {40, 30, "must be less than expires_in_days (30)"},
		"nothing to lower": {1, 1, "Raise expires_in_days, or remove rotate_before_days."},
		"smaller unset":    {nil, 30, ""},
		"larger unknown":   {7, tftypes.UnknownValue, ""},
	} {
		t.Run(name, func(t *testing.T) {
			raw := tftypes.NewValue(objectType, map[string]tftypes.Value{
				"rotate_before_days": number(tc.smaller), "expires_in_days": number(tc.larger),
			})
			resp := &resource.ValidateConfigResponse{}
			v.ValidateResource(context.Background(), resource.ValidateConfigRequest{Config: tfsdk.Config{Schema: s, Raw: raw}}, resp)
			if tc.wantError == "" {
				if resp.Diagnostics.HasError() {
					t.Fatalf("want no error, got %v", resp.Diagnostics)
				}
				return
			}
			if !resp.Diagnostics.HasError() || !strings.Contains(resp.Diagnostics.Errors()[0].Detail(), tc.wantError) {
				t.Fatalf("want an error containing %q, got %v", tc.wantError, resp.Diagnostics)
			}
		})
	}
}
