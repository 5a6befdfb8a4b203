package provider

import (
	"context"
	"iter"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// What every list resource shares (Terraform 1.14+: `list` blocks in
// *.tfquery.hcl files, and `terraform query`). A list resource walks the
// API's collection a page at a time and sends one result per object: its
// identity, a display name, and, when Terraform asks for it (include_resource,
// or -generate-config-out), the state the resource's Read builds, through
// the same model and conversion, so that the configuration Terraform
// generates from it plans no change once imported.

// beginList starts a List, as begin starts the other operations: it reads
// the list block's config into config (unless nil) and makes sure the API
// can be reached. It returns ctx prepared for the client and the timeouts
// of the results; when it reports false, it has set the stream to the
// errors.
func (c *configured) beginList(ctx context.Context, req list.ListRequest, config any, stream *list.ListResultsStream) (context.Context, timeouts.Value, bool) {
	var diags diag.Diagnostics
	if config != nil {
		diags.Append(req.Config.Get(ctx, config)...)
	}
	ctx, ok := c.begin(ctx, &diags)
	var noTimeouts timeouts.Value
	if ok {
		noTimeouts = nullTimeouts(ctx, req, &diags)
	}
	if !ok || diags.HasError() {
		stream.Results = listFailed(diags)
		return ctx, noTimeouts, false
	}
	return ctx, noTimeouts, true
}

// listResults streams a result per item that result makes, until the items
// end, the request's limit is reached (so no page beyond it is fetched), or
// Terraform stops listening. An error ends the stream as a result carrying
// it, summarised by failed.
func listResults[T any](req list.ListRequest, items iter.Seq2[T, error], failed string, result func(T) list.ListResult) iter.Seq[list.ListResult] {
	return func(push func(list.ListResult) bool) {
		var sent int64
		for item, err := range items {
			if err != nil {
				var diags diag.Diagnostics
				addAPIError(&diags, failed, err, nil)
				push(list.ListResult{Diagnostics: diags})
				return
			}
			if !push(result(item)) {
				return
			}
			sent++
			// Terraform always sends a limit (100 unless the list block
			// says otherwise); 0 or less is taken as none, for any other
			// caller.
			if req.Limit > 0 && sent >= req.Limit {
				return
			}
		}
	}
}

// keepOnly is items without those keep refuses, for filters the API does
// not offer. Errors pass through.
func keepOnly[T any](items iter.Seq2[T, error], keep func(T) bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for item, err := range items {
			if err == nil && !keep(item) {
				continue
			}
			if !yield(item, err) {
				return
			}
		}
	}
}

// newListResult is the result of one object whose state the resource's
// model holds: the identity comes out of that state, as the resource's own
// identity does, and the state goes with it when Terraform asked for it.
func newListResult(ctx context.Context, req list.ListRequest, identity resourceIdentity, displayName string, state any) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = displayName
	result.Diagnostics.Append(result.Resource.Set(ctx, state)...)
	if result.Diagnostics.HasError() {
		return result
	}
	identity.copyFrom(ctx, result.Resource, result.Identity, &result.Diagnostics)
	if !req.IncludeResource {
		result.Resource = nil
	}
	return result
}

// listFailed is the stream of a list resource that could not start (its
// configuration, or a provider that is not configured).
func listFailed(diags diag.Diagnostics) iter.Seq[list.ListResult] {
	return list.ListResultsStreamDiagnostics(diags)
}

// nullTimeouts is the timeouts of a listed resource: null, as after an
// import, typed as the resource's schema types them (the zero
// timeouts.Value has no attribute types, and the state would refuse it).
func nullTimeouts(ctx context.Context, req list.ListRequest, diags *diag.Diagnostics) timeouts.Value {
	t, ds := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts"))
	diags.Append(ds...)
	if ds.HasError() {
		return timeouts.Value{}
	}
	v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
	if err != nil {
		diags.AddError("Could not build the timeouts of a listed resource", err.Error())
		return timeouts.Value{}
	}
	tv, ok := v.(timeouts.Value)
	if !ok {
		diags.AddError("Could not build the timeouts of a listed resource", "the resource's timeouts attribute is not of the timeouts type")
	}
	return tv
}
