package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// resourceIdentity is the identity of a resource type (Terraform 1.12+): the
// state attributes, all strings, that name one object on the platform, in
// the order of the type's string import ID ("<a>/<b>/<c>"). Terraform stores
// the identity beside the state and accepts it in import blocks
// (`identity = { … }`) instead of an ID string.
type resourceIdentity []identityAttribute

type identityAttribute struct {
	name        string
	description string
	// optional: may be left out of an import block's identity, as it may be
	// left out of the string ID (the provider's default organization).
	optional bool
}

// schema is the type's identity schema.
func (ri resourceIdentity) schema() identityschema.Schema {
	attrs := make(map[string]identityschema.Attribute, len(ri))
	for _, a := range ri {
		attrs[a.name] = identityschema.StringAttribute{
			Description:       a.description,
			RequiredForImport: !a.optional,
			OptionalForImport: a.optional,
		}
	}
	return identityschema.Schema{Attributes: attrs}
}

// set copies the identity from state, at the end of every Create, Read and
// Update that leaves the object in the state: Terraform requires an identity
// then, and it never changes for the life of the object (every attribute of
// it forces a replacement).
func (ri resourceIdentity) set(ctx context.Context, state tfsdk.State, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	if identity == nil || state.Raw.IsNull() {
		return
	}
	ri.copyFrom(ctx, state, identity, diags)
}

// attributeSource is a resource's state as Read leaves it (tfsdk.State) or
// as a list resource builds it (tfsdk.Resource).
type attributeSource interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

// copyFrom copies the identity's attributes from the state source holds.
// It builds the identity's value whole: setting it attribute by attribute
// (SetAttribute) rebuilt the value once per attribute, which cost a plan of
// a thousand resources more than their API calls' JSON.
func (ri resourceIdentity) copyFrom(ctx context.Context, source attributeSource, identity *tfsdk.ResourceIdentity, diags *diag.Diagnostics) {
	values := make(map[string]tftypes.Value, len(ri))
	for _, a := range ri {
		var v types.String
		diags.Append(source.GetAttribute(ctx, path.Root(a.name), &v)...)
		value, err := v.ToTerraformValue(ctx)
		if err != nil {
			diags.AddError("Could not set the resource identity", fmt.Sprintf("Attribute %s: %s", a.name, err))
			return
		}
		values[a.name] = value
	}
	if diags.HasError() {
		return
	}
	identity.Raw = tftypes.NewValue(identity.Schema.Type().TerraformType(ctx), values)
}

// importID is the string import ID of an import: the one Terraform passed
// (`terraform import`, an import block's `id`), or, for an import block's
// `identity`, the same ID joined from its attributes, so both forms share one
// parser, one set of checks and one set of errors.
func (ri resourceIdentity) importID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) string {
	if req.ID != "" || req.Identity == nil || req.Identity.Raw.IsNull() {
		return req.ID
	}
	var parts []string
	for _, a := range ri {
		var v types.String
		diags.Append(req.Identity.GetAttribute(ctx, path.Root(a.name), &v)...)
		switch {
		case !v.IsNull() && v.ValueString() != "":
			parts = append(parts, v.ValueString())
		case !a.optional:
			diags.AddAttributeError(path.Root(a.name), "Missing identity attribute",
				fmt.Sprintf("The import block's identity needs %s: set %q.", a.description, a.name))
		}
	}
	return strings.Join(parts, "/")
}

// importMachineUserObject sets the state of an object that belongs to a
// machine user (an access key, a federated credential) from its import ID,
// "<organization_id>/<machine_user_id>/<id>" or "<machine_user_id>/<id>"
// (ids never contain "/"); the organization is left to the default when
// the ID does not name one. Any other ID is refused: "Import ID … is not
// <what> import ID. <forms>".
func importMachineUserObject(ctx context.Context, importID, what, forms string, resp *resource.ImportStateResponse) {
	parts := strings.Split(importID, "/")
	var organizationID, machineUserID, id string
	switch len(parts) {
	case 2:
		machineUserID, id = parts[0], parts[1]
	case 3:
		organizationID, machineUserID, id = parts[0], parts[1], parts[2]
		if organizationID == "" {
			id = ""
		}
	}
	if machineUserID == "" || id == "" {
		resp.Diagnostics.AddError("Invalid import ID", fmt.Sprintf("Import ID %q is not %s import ID. %s", importID, what, forms))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("machine_user_id"), machineUserID)...)
	if organizationID != "" {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("organization_id"), organizationID)...)
	}
}
