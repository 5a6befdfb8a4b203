package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

var (
	_ resource.ResourceWithConfigure        = (*postgresClusterUserResource)(nil)
	_ resource.ResourceWithImportState      = (*postgresClusterUserResource)(nil)
	_ resource.ResourceWithIdentity         = (*postgresClusterUserResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*postgresClusterUserResource)(nil)
	_ resource.ResourceWithConfigValidators = (*postgresClusterUserResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*postgresClusterUserResource)(nil)
)

// clusterUserFieldPaths maps the API's field names to the attributes, so a
// 422 about a field points at the attribute that holds it.
var clusterUserFieldPaths = map[string]path.Path{
	"username":        path.Root("username"),
	"password":        path.Root("password"),
	"login":           path.Root("login"),
	"connectionLimit": path.Root("connection_limit"),
	"validUntil":      path.Root("valid_until"),
	"memberOf":        path.Root("member_of"),
	"createdb":        path.Root("createdb"),
	"rotation":        path.Root("rotation"),
}

// NewPostgresClusterUserResource is the constructor of
// pgcloud_postgres_cluster_user.
func NewPostgresClusterUserResource() resource.Resource {
	return &postgresClusterUserResource{}
}

type postgresClusterUserResource struct {
	resourceBase
}

func (r *postgresClusterUserResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + clusterUserTypeName
}

func (r *postgresClusterUserResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	passwordValidators := []validator.String{stringvalidator.UTF8LengthBetween(10, 63)}

	resp.Schema = schema.Schema{
		MarkdownDescription: "A database user (a login role) of a pgcloud PostgreSQL cluster. The role exists for " +
			"real in the cluster; the platform marks the roles it creates, and refuses to change or drop any other " +
			"(a system user). Managing users needs the `project_editor` or `project_owner` role on the cluster's " +
			"project, or `org_owner`. Set the password with `password_wo` (write-only: never stored in the plan or " +
			"the state; bump `password_wo_version` to set a new one) or with `password` (kept in the state, marked sensitive). " +
			"A new user needs one of them; a user adopted by an import (or `terraform query`) may have neither, and keeps " +
			"the password it has until one is set. Its privileges come from `member_of` (PostgreSQL's predefined roles and " +
			"`pgcloud_postgres_cluster_role` group roles); `rotation = \"alternating\"` rotates its password without downtime.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "`<cluster_id>/<username>`, also the import ID.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"cluster_id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the cluster. Changing it creates the user in the other cluster and drops this one.",
				Required:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.RegexMatches(regexp.MustCompile(`^[^/]*$`), "is a cluster id, which never contains '/'"),
				},
			},
			"username": schema.StringAttribute{
				MarkdownDescription: "Name of the role: 1–63 bytes (PostgreSQL's limit), any characters but NUL " +
					"(the platform quotes it), not `postgres`, `admin`, `standby` or the platform's marker roles " +
					"(`pgcloud_managed`, `pgcloud_group`, `pgcloud_alternate`), and not starting with `pg_`. Changing it replaces the user.",
				Required:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					validators.ByteLengthAtMost(63, "PostgreSQL's limit for names"),
					stringvalidator.RegexMatches(noNUL, "must not contain the NUL character"),
					stringvalidator.RegexMatches(clusterUsernameNotPgPrefixed,
						"must not start with pg_ (PostgreSQL reserves those names for its own roles); choose another prefix"),
					stringvalidator.NoneOfCaseInsensitive(reservedClusterUsernames...),
					// "." and ".." cannot be addressed in the API's URLs.
					stringvalidator.NoneOf(".", ".."),
				},
			},
			"password": schema.StringAttribute{
				MarkdownDescription: "Password, 10–63 characters, kept in the state (sensitive). Changing it sets the " +
					"new password in place. Prefer `password_wo`, which keeps it out of the state. Conflicts with " +
					"`password_wo`. Creating a user needs one of the two; without either, Terraform leaves the password " +
					"of an imported user as it is (passwords cannot be read back).",
				Optional:   true,
				Sensitive:  true,
				Validators: passwordValidators,
			},
			"password_wo": schema.StringAttribute{
				MarkdownDescription: "Password, 10–63 characters, write-only: Terraform sends it when the user is " +
					"created or `password_wo_version` changes, and never stores it in the plan or the state. " +
					"Requires Terraform 1.11 or later. Creating a user needs this or `password`.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: passwordValidators,
			},
			"password_wo_version": schema.Int64Attribute{
				MarkdownDescription: "Required with `password_wo`. Terraform cannot see a write-only value change, " +
					"so change this number (for example, increment it) to set a new `password_wo` in place.",
				Optional: true,
			},
			"login": schema.BoolAttribute{
				MarkdownDescription: "Whether the role may log in (PostgreSQL's `LOGIN`). Default: `true`; `false` keeps the user " +
					"and its memberships but refuses new connections.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"connection_limit": schema.Int64Attribute{
				MarkdownDescription: "At most this many connections of the user at once: 1–1000, or -1 (the default) for no limit. " +
					"PostgreSQL refuses a connection past the limit (`too many connections for role`).",
				Optional: true,
				Computed: true,
				Default:  int64default.StaticInt64(-1),
				Validators: []validator.Int64{
					int64validator.Any(int64validator.OneOf(-1), int64validator.Between(1, 1000)),
				},
			},
			"valid_until": schema.StringAttribute{
				MarkdownDescription: "The password stops working at this time (PostgreSQL's `VALID UNTIL`): an RFC 3339 timestamp " +
					"such as `2030-01-31T00:00:00Z`. A new or changed value must not be in the past (plan-time check); once it has " +
					"passed, the user can no longer log in until it is changed. Unset: never expires.",
				Optional:   true,
				Validators: []validator.String{validators.RFC3339()},
			},
			"member_of": memberOfAttribute("user"),
			"createdb": schema.BoolAttribute{
				MarkdownDescription: "Whether the user may create databases (`CREATEDB`). Default: `false`. The platform never " +
					"grants `SUPERUSER`, `CREATEROLE`, `REPLICATION` or `BYPASSRLS`.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(false),
			},
			"rotation": schema.StringAttribute{
				MarkdownDescription: "`none` (the default) or `alternating`: the platform then keeps two login roles, `<username>` " +
					"and `<username>_alt` (same attributes and memberships, one user), and each new password goes to the role that " +
					"is not active, which becomes `active_username`. Clients that still hold the previous username and password " +
					"keep working until the next rotation. Clients must read `active_username` and the password together. " +
					"Changing it replaces the user. With `alternating`, `username` may have at most 59 bytes.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString("none"),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
				Validators:    []validator.String{stringvalidator.OneOf("none", "alternating")},
			},
			"active_username": schema.StringAttribute{
				MarkdownDescription: "The role to log in as with the password set last: `username`, or, with `rotation = " +
					"\"alternating\"`, `username` or `<username>_alt` in turn.",
				Computed: true,
			},
			"timeouts": timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Update: true, Delete: true}),
		},
	}
}

func (r *postgresClusterUserResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		// At most one: neither is valid for a user that exists (imported,
		// or generated by terraform query, whose password cannot be read
		// back); ModifyPlan requires one for a create.
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo")),
		resourcevalidator.RequiredTogether(path.MatchRoot("password_wo"), path.MatchRoot("password_wo_version")),
		resourcevalidator.Conflicting(path.MatchRoot("password"), path.MatchRoot("password_wo_version")),
	}
}

// ValidateConfig: an alternating user's second role is <username>_alt, so
// its username has 4 bytes fewer. It reads the two attributes that takes:
// Terraform validates each resource several times per command.
func (r *postgresClusterUserResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var rotation, username types.String
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("rotation"), &rotation)...)
	if resp.Diagnostics.HasError() || rotation.ValueString() != "alternating" {
		return
	}
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("username"), &username)...)
	if resp.Diagnostics.HasError() || username.IsUnknown() {
		return
	}
	if n := len(username.ValueString()); n > 59 {
		resp.Diagnostics.AddAttributeError(path.Root("username"), "Username too long for an alternating user",
			fmt.Sprintf("With rotation = \"alternating\" the user's second role is <username>_alt, and PostgreSQL names have at most 63 bytes, "+
				"so username may have at most 59 bytes; it has %d. Choose a shorter username.", n))
	}
}

// ModifyPlan refuses a new user without a password (one that exists may do
// without: its password cannot be read back, so an import leaves it out),
// and asks the cluster (a read) whether the planned username is free before
// a create is promised, so that a system user, which the platform never
// changes or drops, a user that already exists, or a cluster that does not
// exist fails the plan with nothing written.
//
// A plan equal to the state, as every plan of a user nobody touched is,
// sets and checks nothing, and a create reads only the attributes it
// checks: decoding whole models was a tenth of the provider's CPU in a
// profile of an apply of 500 users, and Terraform plans each create twice
// (at plan and again at apply).
func (r *postgresClusterUserResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	switch {
	case req.Plan.Raw.IsNull():
		return
	case req.State.Raw.IsNull():
		r.modifyCreatePlan(ctx, req, resp)
		return
	case req.Plan.Raw.Equal(req.State.Raw):
		return
	}
	var plan, state, config postgresClusterUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A changed expiry in the past is a mistake; one that has passed since
	// it was set is not (the user simply cannot log in any more).
	if !plan.ValidUntil.Equal(state.ValidUntil) && validUntilPassed(plan.ValidUntil, &resp.Diagnostics) {
		return
	}
	// active_username: the username of a new user; for an alternating
	// user, the other role once a new password is set.
	newPassword := configuredPassword(config) != "" &&
		(!plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion))
	switch {
	case !plan.Username.Equal(state.Username) || !plan.Rotation.Equal(state.Rotation):
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("active_username"), plan.Username)...)
	case newPassword && state.Rotation.ValueString() == "alternating":
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("active_username"), types.StringUnknown())...)
	default:
		resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("active_username"), state.ActiveUsername)...)
	}
	if plan.ClusterID.Equal(state.ClusterID) && plan.Username.Equal(state.Username) {
		return // the same user: nothing is created
	}
	r.checkPlannedUser(ctx, req, resp, plan.ClusterID, plan.Username)
}

// modifyCreatePlan is ModifyPlan for a new user.
func (r *postgresClusterUserResource) modifyCreatePlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	var password, passwordWO, validUntil, clusterID, username types.String
	diags := &resp.Diagnostics
	diags.Append(req.Config.GetAttribute(ctx, path.Root("password"), &password)...)
	diags.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &passwordWO)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("valid_until"), &validUntil)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("cluster_id"), &clusterID)...)
	diags.Append(req.Plan.GetAttribute(ctx, path.Root("username"), &username)...)
	if diags.HasError() {
		return
	}
	if password.IsNull() && passwordWO.IsNull() {
		diags.AddAttributeError(path.Root("password_wo"), "Missing password",
			"A new cluster user needs a password: set password_wo and password_wo_version (recommended: never stored in the state), "+
				"or password. Only a user that already exists, adopted with an import, may leave both out.")
		return
	}
	if validUntilPassed(validUntil, diags) {
		return
	}
	diags.Append(resp.Plan.SetAttribute(ctx, path.Root("active_username"), username)...)
	r.checkPlannedUser(ctx, req, resp, clusterID, username)
}

// validUntilPassed reports a planned valid_until that has already passed:
// the user could not log in at all.
func validUntilPassed(validUntil types.String, diags *diag.Diagnostics) bool {
	if validUntil.IsNull() || validUntil.IsUnknown() {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, validUntil.ValueString())
	if err != nil || !t.Before(time.Now()) {
		return false
	}
	diags.AddAttributeError(path.Root("valid_until"), "valid_until is in the past",
		fmt.Sprintf("valid_until = %q has already passed, so the user could not log in at all. Set a time in the future "+
			"(for example timeadd(plantimestamp(), \"720h\") is 30 days from the plan), or leave it out for no expiry; to lock "+
			"the user out now, set login = false.", validUntil.ValueString()))
	return true
}

// checkPlannedUser plans the id of the user the plan creates, and checks
// that its cluster exists and its name is free there.
func (r *postgresClusterUserResource) checkPlannedUser(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse,
	plannedClusterID, plannedUsername types.String) {
	if r.data == nil || plannedClusterID.IsUnknown() || plannedUsername.IsUnknown() {
		return // the provider's configuration, or the user's name, is still unknown
	}
	ctx = r.data.apiContext(ctx)
	clusterID, username := plannedClusterID.ValueString(), plannedUsername.ValueString()
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), clusterUserID(clusterID, username))...)
	r.data.notePlannedClusterUser(clusterID, username)

	existing, err := r.data.findClusterUser(ctx, clusterID, username)
	switch {
	case existing == nil && err == nil:
		// Free, and the cluster is there: its listing says so.
	case client.IsNotFound(err):
		// Free, or no such cluster: a user of a missing cluster is 404 too.
		if _, err := r.data.client.GetCluster(ctx, clusterID); client.IsNotFound(err) {
			parentGone(&resp.Diagnostics, r.data.wasDropped(clusterUserTypeName, clusterUserID(clusterID, username)),
				path.Root("cluster_id"), "Cluster not found",
				fmt.Sprintf("No cluster with id %q is visible to the provider's access key. Check cluster_id (the id of a cluster, "+
					"as the pgcloud_postgres_cluster data source gives it), and that the key has a role on the cluster's project.", clusterID))
		} else if err != nil {
			addAPIError(&resp.Diagnostics, "Could not check cluster "+clusterID, err, nil)
		}
	case err != nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not check user %q of cluster %s", username, clusterID), err, nil)
	case existing.System:
		resp.Diagnostics.AddAttributeError(path.Root("username"), "System user of the cluster", systemUserDetail(username, clusterID))
	case r.data.wouldReplay(ctx, r.plannedCreateKey(ctx, req, clusterID, username)):
		// This create's own user, whose answer was lost: the apply collects it.
	default:
		resp.Diagnostics.AddAttributeError(path.Root("username"), "Cluster user already exists",
			fmt.Sprintf("Cluster %s already has a user %q managed by the platform. To manage it with Terraform, import it: "+
				"terraform import <address> %s", clusterID, username, clusterUserID(clusterID, username)))
	}
}

// plannedCreateKey is the createKey of the planned user. Only a name found
// taken needs it, so only then are the plan and configuration decoded in
// full.
func (r *postgresClusterUserResource) plannedCreateKey(ctx context.Context, req resource.ModifyPlanRequest, clusterID, username string) string {
	var plan, config postgresClusterUserResourceModel
	if req.Plan.Get(ctx, &plan).HasError() || req.Config.Get(ctx, &config).HasError() {
		return ""
	}
	return r.createKey(clusterID, username, plan, config)
}

// createKey is the Idempotency-Key of the create of the user (see
// providerData.createKey); it covers the password, which an HMAC does not
// reveal, and the attributes the create sends.
func (r *postgresClusterUserResource) createKey(clusterID, username string, plan, config postgresClusterUserResourceModel) string {
	return r.data.createKey(clusterUserTypeName, clusterID, username, configuredPassword(config),
		fmt.Sprint(plan.Login, plan.ConnectionLimit, plan.ValidUntil, setStrings(plan.MemberOf), plan.CreateDB, plan.Rotation))
}

// configuredPassword is the password the configuration sets: password_wo
// exists only in the configuration, never in the plan.
func configuredPassword(config postgresClusterUserResourceModel) string {
	if !config.PasswordWO.IsNull() {
		return config.PasswordWO.ValueString()
	}
	return config.Password.ValueString()
}

func (r *postgresClusterUserResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	// Of the configuration, only the passwords: password_wo is nowhere
	// else, and the plan holds the rest.
	var plan, config postgresClusterUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password"), &config.Password)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("password_wo"), &config.PasswordWO)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	clusterID, username := plan.ClusterID.ValueString(), plan.Username.ValueString()
	ctx = withCreateKey(ctx, r.createKey(clusterID, username, plan, config))
	in := client.ClusterUserCreate{Username: username, Password: configuredPassword(config),
		Login: plan.Login.ValueBoolPointer(), CreateDB: plan.CreateDB.ValueBoolPointer(), ValidUntil: plan.ValidUntil.ValueStringPointer()}
	if !plan.ConnectionLimit.IsNull() && !plan.ConnectionLimit.IsUnknown() {
		n := int(plan.ConnectionLimit.ValueInt64())
		in.ConnectionLimit = &n
	}
	if !plan.MemberOf.IsNull() && !plan.MemberOf.IsUnknown() {
		memberOf := setStrings(plan.MemberOf)
		in.MemberOf = &memberOf
	}
	if plan.Rotation.ValueString() == "alternating" {
		in.Rotation = "alternating"
	}
	r.data.clusterUsers.changing(clusterID)
	u, err := r.data.client.CreateClusterUser(ctx, clusterID, in)
	if err != nil {
		summary := fmt.Sprintf("Could not create user %q in cluster %s", username, clusterID)
		if apiErr, ok := client.AsAPIError(err); ok && apiErr.Code == "ALREADY_EXISTS" {
			id := clusterUserID(clusterID, username)
			resp.Diagnostics.AddAttributeError(path.Root("username"), summary,
				fmt.Sprintf("Cluster %s already has a user %q (created since the plan). To manage it with Terraform, import it: "+
					"terraform import <address> %s (or an import block with id = %q).\n\n%s", clusterID, username, id, id, apiErrorTrailer(apiErr)))
			return
		}
		addAPIError(&resp.Diagnostics, summary, err, clusterUserFieldPaths)
		return
	}
	plan.setFromAPI(u)
	plan.PasswordWO = types.StringNull() // write-only: never stored
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *postgresClusterUserResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state postgresClusterUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	clusterID, username := state.ClusterID.ValueString(), state.Username.ValueString()
	u, err := r.data.readClusterUser(ctx, clusterID, username)
	if client.IsNotFound(err) {
		r.data.noteDropped(clusterUserTypeName, clusterUserID(clusterID, username))
		dropFromState(ctx, req, resp, r.identity(), "Cluster user deleted outside Terraform",
			fmt.Sprintf("user %q of cluster %s no longer exists (dropped outside Terraform); it will be re-created", username, clusterID))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read user %q of cluster %s", username, clusterID), err, nil)
		return
	}
	if u.System {
		resp.Diagnostics.AddAttributeWarning(path.Root("username"), "Cluster user is no longer managed by the platform",
			fmt.Sprintf("User %q of cluster %s lost its platform marker (membership in the role pgcloud_managed) outside Terraform, so the "+
				"platform now treats it as a system user and refuses to change or drop it. To manage it again, grant the marker back in "+
				"the cluster (GRANT pgcloud_managed TO %s;); to stop managing it, remove it from the state (terraform state rm <address>).",
				username, clusterID, pgQuoteIdent(username)))
	}
	state.setFromAPI(u)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// readClusterUser reads user username of cluster clusterID for a refresh:
// from the cluster's listing when the run reads many (listing.go), else
// with its own GET.
func (d *providerData) readClusterUser(ctx context.Context, clusterID, username string) (*client.ClusterUser, error) {
	if u, found, _ := d.clusterUsers.find(ctx, d.clusterUserQuestion(clusterID, username, false)); found {
		return &u, nil
	}
	return d.client.GetClusterUser(ctx, clusterID, username)
}

// findClusterUser is the plan's question "does cluster clusterID have a
// user named username", as GetClusterUser answers it (a 404 when not, or
// when the cluster is missing). Past the first few, the cluster's listing
// answers, system users included: a name missing from it is free (nil,
// nil), and since that listing worked, the cluster exists. A name found in
// a listing older than this process's own changes to the cluster (an apply
// that drops a user before creating its replacement) is asked again with a
// GET.
func (d *providerData) findClusterUser(ctx context.Context, clusterID, username string) (*client.ClusterUser, error) {
	u, found, answered := d.clusterUsers.find(ctx, d.clusterUserQuestion(clusterID, username, true))
	switch {
	case answered && !found:
		return nil, nil
	case answered && !d.clusterUsers.changed(clusterID):
		return &u, nil
	}
	return d.client.GetClusterUser(ctx, clusterID, username)
}

func (d *providerData) clusterUserQuestion(clusterID, username string, despiteChanges bool) lookupOptions[client.ClusterUser] {
	return lookupOptions[client.ClusterUser]{scope: clusterID, index: "username", key: username, despiteChanges: despiteChanges,
		keyOf: func(u client.ClusterUser) string { return u.Username },
		list: func(ctx context.Context) ([]client.ClusterUser, error) {
			return d.client.ListClusterUsers(ctx, clusterID, true)
		}}
}

// Update changes what the plan changes, in one request (one transaction in
// the cluster): the attributes, the memberships, and the password when
// password changes or password_wo_version does. An alternating user's new
// password goes to its inactive role, which becomes active_username.
func (r *postgresClusterUserResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan, state, config postgresClusterUserResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Update, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	var in client.ClusterUserUpdate
	// A configuration that stops setting a password (both left out) stops
	// managing it: the role keeps the password it has.
	changed := !plan.Password.Equal(state.Password) || !plan.PasswordWOVersion.Equal(state.PasswordWOVersion)
	if password := configuredPassword(config); changed && password != "" {
		in.Password = &password
	}
	if !plan.Login.Equal(state.Login) {
		in.Login = plan.Login.ValueBoolPointer()
	}
	if !plan.ConnectionLimit.Equal(state.ConnectionLimit) {
		n := int(plan.ConnectionLimit.ValueInt64())
		in.ConnectionLimit = &n
	}
	if !plan.ValidUntil.Equal(state.ValidUntil) {
		in.ValidUntil = plan.ValidUntil.ValueStringPointer()
		in.ClearValidUntil = plan.ValidUntil.IsNull()
	}
	if !plan.CreateDB.Equal(state.CreateDB) {
		in.CreateDB = plan.CreateDB.ValueBoolPointer()
	}
	if !plan.MemberOf.Equal(state.MemberOf) {
		memberOf := setStrings(plan.MemberOf)
		in.MemberOf = &memberOf
	}
	if in.IsEmpty() {
		plan.ActiveUsername = state.ActiveUsername
	} else {
		clusterID, username := state.ClusterID.ValueString(), state.Username.ValueString()
		r.data.clusterUsers.changing(clusterID)
		u, err := r.data.client.UpdateClusterUser(ctx, clusterID, username, in)
		if err != nil {
			addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not change user %q of cluster %s", username, clusterID), err, clusterUserFieldPaths)
			return
		}
		plan.setFromAPI(u)
	}
	plan.PasswordWO = types.StringNull()
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *postgresClusterUserResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state postgresClusterUserResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}

	clusterID, username := state.ClusterID.ValueString(), state.Username.ValueString()
	r.data.clusterUsers.changing(clusterID)
	err := r.data.client.DeleteClusterUser(ctx, clusterID, username)
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		// A role that owns objects is refused and left intact; the server's
		// message says what to do first.
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not drop user %q of cluster %s", username, clusterID), err, nil)
	}
}

// ImportState takes "<cluster_id>/<username>". The password cannot be read
// back, so it stays unknown to Terraform until the configuration next sets it.
func (r *postgresClusterUserResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	clusterID, username, found := strings.Cut(importID, "/")
	if !found || clusterID == "" || username == "" {
		resp.Diagnostics.AddError("Invalid import ID",
			fmt.Sprintf(`Import ID %q is not a cluster user import ID. Use "<cluster_id>/<username>" (the username may itself contain "/").`, importID))
		return
	}
	// A system user can be neither changed nor dropped through the platform,
	// so a resource for one could never be applied or destroyed: refused
	// here as a create of it is refused at plan.
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	u, err := r.data.client.GetClusterUser(ctx, clusterID, username)
	switch {
	case client.IsNotFound(err):
		resp.Diagnostics.AddError("Cluster user not found",
			fmt.Sprintf("Cluster %s has no user %q visible to the provider's access key; check the cluster id and the username.", clusterID, username))
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read user %q of cluster %s", username, clusterID), err, nil)
		return
	case u.System:
		resp.Diagnostics.AddError("System user of the cluster", systemUserDetail(username, clusterID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), importID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("cluster_id"), clusterID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("username"), username)...)
}

// systemUserDetail explains why a system user cannot be managed.
func systemUserDetail(username, clusterID string) string {
	return fmt.Sprintf("%q is a system user of cluster %s: a role the platform did not create, which it never changes or drops. "+
		"Choose another username.", username, clusterID)
}

// pgQuoteIdent quotes name as PostgreSQL reads an identifier, for the SQL a
// message tells a person to run.
func pgQuoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (r *postgresClusterUserResource) identity() resourceIdentity { return postgresClusterUserIdentity }

func (r *postgresClusterUserResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
