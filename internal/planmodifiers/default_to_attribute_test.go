package planmodifiers_test

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/planmodifiers"
)

func TestStringDefaultToAttribute(t *testing.T) {
	s := schema.Schema{Attributes: map[string]schema.Attribute{
		"username": schema.StringAttribute{Required: true},
		"name":     schema.StringAttribute{Optional: true, Computed: true},
	}}
	objectType := tftypes.Object{AttributeTypes: map[string]tftypes.Type{
		"username": tftypes.String,
		"name":     tftypes.String,
	}}
	plan := func(username any) tfsdk.Plan {
		return tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(objectType, map[string]tftypes.Value{
			"username": tftypes.NewValue(tftypes.String, username),
			"name":     tftypes.NewValue(tftypes.String, tftypes.UnknownValue),
		})}
	}

	cases := map[string]struct {
		config types.String
		plan   tfsdk.Plan
		want   types.String
	}{
		"not configured: the username": {
			config: types.StringNull(),
			plan:   plan("ci-deployer"),
			want:   types.StringValue("ci-deployer"),
		},
		"not configured, username unknown: unknown": {
			config: types.StringNull(),
			plan:   plan(tftypes.UnknownValue),
			want:   types.StringUnknown(),
		},
		"configured: the configured name": {
			config: types.StringValue("CI deployer"),
			plan:   plan("ci-deployer"),
			want:   types.StringValue("CI deployer"),
		},
		"destroy: untouched": {
			config: types.StringNull(),
			plan:   tfsdk.Plan{Schema: s, Raw: tftypes.NewValue(objectType, nil)},
			want:   types.StringNull(),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := planmodifier.StringRequest{
				Path:        path.Root("name"),
				ConfigValue: tc.config,
				Plan:        tc.plan,
				PlanValue:   tc.config,
			}
			if tc.config.IsNull() && !tc.plan.Raw.IsNull() {
				req.PlanValue = types.StringUnknown() // what the framework plans for an unset computed attribute
			}
			resp := &planmodifier.StringResponse{PlanValue: req.PlanValue}
			planmodifiers.StringDefaultToAttribute(path.Root("username")).PlanModifyString(context.Background(), req, resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("unexpected diagnostics: %v", resp.Diagnostics)
			}
			if !resp.PlanValue.Equal(tc.want) {
				t.Fatalf("planned %s, want %s", resp.PlanValue, tc.want)
			}
		})
	}
}
