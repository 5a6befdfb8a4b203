package main

import (
	"context"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	noSlash         = regexp.MustCompile(`^[^/]*$`)
	noNUL           = regexp.MustCompile(`^[^\x00]*$`)
	notPgPrefixed   = regexp.MustCompile(`(?is)^(?:$|[^p]|p$|p[^g]|pg$|pg[^_])`)
	reservedNames   = []string{"postgres", "admin", "standby", "pgcloud_managed", "pgcloud_group", "pgcloud_alternate"}
	predefinedRoles = []string{"pg_read_all_data", "pg_write_all_data", "pg_monitor", "pg_signal_backend", "pg_read_all_stats"}
)

type clusterUserModel struct {
	ID                types.String   `tfsdk:"id"`
	ClusterID         types.String   `tfsdk:"cluster_id"`
	Username          types.String   `tfsdk:"username"`
	Password          types.String   `tfsdk:"password"`
	PasswordWO        types.String   `tfsdk:"password_wo"`
	PasswordWOVersion types.Int64    `tfsdk:"password_wo_version"`
	Login             types.Bool     `tfsdk:"login"`
	ConnectionLimit   types.Int64    `tfsdk:"connection_limit"`
	ValidUntil        types.String   `tfsdk:"valid_until"`
	MemberOf          types.Set      `tfsdk:"member_of"`
	CreateDB          types.Bool     `tfsdk:"createdb"`
	Rotation          types.String   `tfsdk:"rotation"`
	ActiveUsername    types.String   `tfsdk:"active_username"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

type clusterUserResource struct{}

func newClusterUserResource() resource.Resource { return clusterUserResource{} }

func (clusterUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_postgres_cluster_user"
}

// Schema is pgcloud_postgres_cluster_user's
// (internal/provider/postgres_cluster_user_resource.go), descriptions
// shortened, with its config validators: the floor of the cluster users'
// side of make bench, where pgcloud is compared with cyrilgdn's provider.
func (clusterUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	passwordValidators := []validator.String{stringvalidator.UTF8LengthBetween(10, 63)}
	resp.Schema = schema.Schema{
		Description: "A cluster user that exists only in the state.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Description: "cluster_id/username.", Computed: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cluster_id": schema.StringAttribute{
				Description: "Cluster.", Required: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1), stringvalidator.RegexMatches(noSlash, "no '/'")},
			},
			"username": schema.StringAttribute{
				Description: "Role name.", Required: true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					validators.ByteLengthAtMost(63, "PostgreSQL's limit for names"),
					stringvalidator.RegexMatches(noNUL, "no NUL"),
					stringvalidator.RegexMatches(notPgPrefixed, "no pg_ prefix"),
					stringvalidator.NoneOfCaseInsensitive(reservedNames...),
					stringvalidator.NoneOf(".", ".."),
				},
			},
			"password": schema.StringAttribute{
				Description: "Password.", Optional: true, Sensitive: true, Validators: passwordValidators,
			},
			"password_wo": schema.StringAttribute{
				Description: "Write-only password.", Optional: true, Sensitive: true, WriteOnly: true, Validators: passwordValidators,
			},
			"password_wo_version": schema.Int64Attribute{Description: "Version of password_wo.", Optional: true},
			"login": schema.BoolAttribute{
				Description: "LOGIN.", Optional: true, Computed: true, Default: booldefault.StaticBool(true),
			},
			"connection_limit": schema.Int64Attribute{
				Description: "CONNECTION LIMIT.", Optional: true, Computed: true, Default: int64default.StaticInt64(-1),
				Validators: []validator.Int64{int64validator.Any(int64validator.OneOf(-1), int64validator.Between(1, 1000))},
			},
			"valid_until": schema.StringAttribute{
				Description: "VALID UNTIL.", Optional: true, Validators: []validator.String{validators.RFC3339()},
			},
			"member_of": schema.SetAttribute{
				Description: "Roles.", ElementType: types.StringType, Optional: true, Computed: true,
				Default: setdefault.StaticValue(types.SetValueMust(types.StringType, []attr.Value{})),
				Validators: []validator.Set{
					setvalidator.SizeAtMost(50),
					setvalidator.ValueStringsAre(
						stringvalidator.LengthAtLeast(1),
						validators.ByteLengthAtMost(63, "PostgreSQL's limit for names"),
						stringvalidator.RegexMatches(noNUL, "no NUL"),
						stringvalidator.Any(stringvalidator.OneOf(predefinedRoles...), stringvalidator.RegexMatches(notPgPrefixed, "no pg_ prefix")),
						stringvalidator.NoneOfCaseInsensitive(reservedNames...),
					),
				},
			},
			"createdb": schema.BoolAttribute{
				Description: "CREATEDB.", Optional: true, Computed: true, Default: booldefault.StaticBool(false),
			},
			"rotation": schema.StringAttribute{
				Description: "none or alternating.", Optional: true, Computed: true, Default: stringdefault.StaticString("none"),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.OneOf("none", "alternating")},
			},
			"active_username": schema.StringAttribute{Description: "Role to log in as.", Computed: true},
			"timeouts":        timeouts.Attributes(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (clusterUserResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("password_wo"), path.MatchRoot("password_wo_version")),
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo_version")),
	}
}

func (clusterUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan clusterUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.ID = types.StringValue(plan.ClusterID.ValueString() + "/" + plan.Username.ValueString())
	plan.ActiveUsername = plan.Username
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

// Read keeps the state as it is: there is nothing to ask.
func (clusterUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state clusterUserModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
}

func (clusterUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan clusterUserModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
}

func (clusterUserResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {
}
