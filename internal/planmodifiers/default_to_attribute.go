package planmodifiers

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// StringDefaultToAttribute plans an optional+computed string attribute that the
// configuration leaves out as the planned value of another string attribute of
// the same resource: a machine user's name defaults to its username, and keeps
// following the username while the configuration leaves the name out.
//
// A schema Default cannot do this: defaults are static and cannot read other
// attributes. Planning the value (instead of leaving it unknown for the API to
// fill in) lets the plan show the name the resource will really get.
func StringDefaultToAttribute(source path.Path) planmodifier.String {
	return stringDefaultToAttribute{source: source}
}

type stringDefaultToAttribute struct {
	source path.Path
}

func (m stringDefaultToAttribute) Description(context.Context) string {
	return fmt.Sprintf("When not configured, the value defaults to the value of %s.", m.source)
}

func (m stringDefaultToAttribute) MarkdownDescription(context.Context) string {
	return fmt.Sprintf("When not configured, the value defaults to the value of `%s`.", m.source)
}

func (m stringDefaultToAttribute) PlanModifyString(ctx context.Context, req planmodifier.StringRequest, resp *planmodifier.StringResponse) {
	// A configured value wins; a destroy plan has nothing to default.
	if !req.ConfigValue.IsNull() || req.Plan.Raw.IsNull() {
		return
	}
	var source types.String
	resp.Diagnostics.Append(req.Plan.GetAttribute(ctx, m.source, &source)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// An unknown source (a username computed by another resource) plans an
	// unknown value, which is exactly what the name will be until apply.
	resp.PlanValue = source
}
