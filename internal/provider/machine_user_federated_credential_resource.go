package provider

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

var (
	_ resource.ResourceWithConfigure   = (*federatedCredentialResource)(nil)
	_ resource.ResourceWithImportState = (*federatedCredentialResource)(nil)
	_ resource.ResourceWithIdentity    = (*federatedCredentialResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*federatedCredentialResource)(nil)
)

// federatedCredentialTypeName is the resource's type name without the
// provider's.
const federatedCredentialTypeName = "machine_user_federated_credential"

// The platform's rules that the configuration alone shows.
var (
	// An https issuer URL without query, fragment or user info; http only
	// on loopback, which only a server with --allow-http-issuers accepts.
	issuerRE = regexp.MustCompile(`^(https://[^/?#@\s]+|http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]+)?)(/[^?#\s]*)?$`)
	// No control characters, no whitespace at either end (spaces inside
	// are fine: HCP Terraform's subjects name "Default Project").
	subjectRE = regexp.MustCompile(`^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$`)
	// Something besides *.
	subjectNotOnlyStarsRE = regexp.MustCompile(`[^*]`)
	// No ** (a single * already stands for any run of characters).
	subjectNoDoubleStarRE = regexp.MustCompile(`^(?:[^*]|\*[^*]|\*$)*$`)
	claimNameRE           = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:\-]*$`)
	reservedClaimNames    = []string{"iss", "aud", "sub", "exp", "nbf", "iat", "jti"}
)

// federatedCredentialFieldPaths maps the API's field names to the
// attributes, so a 422 about a field points at the attribute that holds it.
var federatedCredentialFieldPaths = map[string]path.Path{
	"name":        path.Root("name"),
	"description": path.Root("description"),
	"issuer":      path.Root("issuer"),
	"audience":    path.Root("audience"),
	"subject":     path.Root("subject"),
	"claims":      path.Root("claims"),
	"userId":      path.Root("machine_user_id"),
}

// federatedCredentialIdentity is the identity of a federated credential:
// the same as its import ID "<organization_id>/<machine_user_id>/<id>".
var federatedCredentialIdentity = resourceIdentity{
	{name: "organization_id", description: "the id of the organization of the credential's machine user (default: the provider's organization)", optional: true},
	{name: "machine_user_id", description: "the id of the machine user the credential belongs to"},
	{name: "id", description: "the credential's id"},
}

// NewFederatedCredentialResource is the constructor of
// pgcloud_machine_user_federated_credential.
func NewFederatedCredentialResource() resource.Resource {
	return &federatedCredentialResource{}
}

type federatedCredentialResource struct {
	resourceBase
}

type federatedCredentialModel struct {
	ID             types.String   `tfsdk:"id"`
	OrganizationID types.String   `tfsdk:"organization_id"`
	MachineUserID  types.String   `tfsdk:"machine_user_id"`
	Name           types.String   `tfsdk:"name"`
	Description    types.String   `tfsdk:"description"`
	Issuer         types.String   `tfsdk:"issuer"`
	Audience       types.String   `tfsdk:"audience"`
	Subject        types.String   `tfsdk:"subject"`
	Claims         types.Map      `tfsdk:"claims"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

func (m *federatedCredentialModel) setFromAPI(ctx context.Context, f *client.FederatedCredential) {
	m.ID = types.StringValue(f.ID)
	m.OrganizationID = types.StringValue(f.OrganizationID)
	m.MachineUserID = types.StringValue(f.UserID)
	m.Name = types.StringValue(f.Name)
	m.Description = types.StringValue(f.Description)
	m.Issuer = types.StringValue(f.Issuer)
	m.Audience = types.StringValue(f.Audience)
	m.Subject = types.StringValue(f.Subject)
	// No claims configured reads back as none, not as an empty map.
	if len(f.Claims) > 0 || (!m.Claims.IsNull() && !m.Claims.IsUnknown()) {
		m.Claims, _ = types.MapValueFrom(ctx, types.StringType, f.Claims)
	} else {
		m.Claims = types.MapNull(types.StringType)
	}
	m.CreatedAt = timestamp(f.Metadata.CreatedDate)
}

// credentialParent names the machine user of a credential, for noteDropped
// and wasDropped.
func credentialParent(organizationID, machineUserID string) string {
	return organizationID + "/" + machineUserID
}

func (r *federatedCredentialResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_" + federatedCredentialTypeName
}

func (r *federatedCredentialResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		MarkdownDescription: "A federated credential of a machine user (workload identity federation): the OIDC ID " +
			"tokens of one issuer (GitHub Actions, GitLab CI, HCP Terraform, a Kubernetes cluster, ...) that the " +
			"machine user trusts. A job holding such a token exchanges it for a short-lived session token of the " +
			"machine user (the provider does it with `oidc_token_file`, `oidc_token` or `oidc_request_url`), so a " +
			"pipeline holds no pgcloud secret at all. A machine user holds at most " + fmt.Sprint(client.FederatedCredentialsPerMachineUser) +
			". It cannot be changed: every change creates a new credential. Managing them needs the `org_owner` role.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of the credential.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization of the machine user. Defaults to the provider's `organization_id`, else " +
					"the organization of the provider's credentials. A different organization replaces the credential.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"machine_user_id": schema.StringAttribute{
				MarkdownDescription: "Id of the machine user whose session tokens the trusted ID tokens are exchanged for. " +
					"The plan checks that it is a machine user of the organization. A different machine user replaces the credential.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name of the credential, 1–200 characters, unique among the machine user's federated " +
					"credentials. A different name replaces the credential.",
				Required:      true,
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.UTF8LengthBetween(1, 200)},
			},
			"description": schema.StringAttribute{
				MarkdownDescription: "What the credential is for, at most 500 characters. Defaults to `\"\"`. A different " +
					"description replaces the credential.",
				Optional:      true,
				Computed:      true,
				Default:       stringdefault.StaticString(""),
				PlanModifiers: replace,
				Validators:    []validator.String{stringvalidator.UTF8LengthAtMost(500)},
			},
			"issuer": schema.StringAttribute{
				MarkdownDescription: "The OIDC issuer, exactly as its tokens have it in `iss`: an https URL such as " +
					"`https://token.actions.githubusercontent.com` (GitHub Actions), `https://gitlab.com` (GitLab), " +
					"`https://app.terraform.io` (HCP Terraform). The server fetches the issuer's signing keys from " +
					"`<issuer>/.well-known/openid-configuration`. `http://127.0.0.1:<port>` is accepted only by a server " +
					"started with `--allow-http-issuers` (tests, demos). A different issuer replaces the credential.",
				Required:      true,
				PlanModifiers: replace,
				Validators: []validator.String{
					stringvalidator.UTF8LengthAtMost(500),
					stringvalidator.RegexMatches(issuerRE, "must be an https URL without query, fragment or user info, "+
						"exactly as the issuer's tokens have it in iss (such as https://token.actions.githubusercontent.com); "+
						"http is accepted only for a loopback issuer on a server started with --allow-http-issuers"),
				},
			},
			"audience": schema.StringAttribute{
				MarkdownDescription: "What the token's `aud` must hold. Defaults to the server's default audience: its " +
					"`--oidc-audience`, else the URL the provider reaches it at (the provider's `endpoint` without a path), " +
					"which is also what the provider asks `oidc_request_url` for by default. A different audience replaces the credential.",
				Optional:      true,
				Computed:      true,
				PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()},
				Validators: []validator.String{
					stringvalidator.UTF8LengthBetween(1, 500),
					stringvalidator.RegexMatches(regexp.MustCompile(`^\S+$`), "must not contain whitespace"),
				},
			},
			"subject": schema.StringAttribute{
				MarkdownDescription: "The `sub` to trust: exact, or with `*` standing for any run of characters, such as " +
					"`repo:acme/infra:ref:refs/heads/*` (any branch of one GitHub repository) or " +
					"`repo:acme/infra:environment:production`. Not `*` alone (that would trust every token the issuer signs, " +
					"for anyone), and no `**`. A different subject replaces the credential.",
				Required:      true,
				PlanModifiers: replace,
				Validators: []validator.String{
					stringvalidator.UTF8LengthAtMost(500),
					stringvalidator.RegexMatches(subjectRE, "must contain no control characters and not start or end with whitespace"),
					stringvalidator.RegexMatches(subjectNotOnlyStarsRE, "must contain something besides *: "+
						"* alone would trust every token of the issuer; name the repository, project or service account"),
					stringvalidator.RegexMatches(subjectNoDoubleStarRE, "must not contain **: a single * already stands for any run of characters"),
				},
			},
			"claims": schema.MapAttribute{
				MarkdownDescription: "Claims the token must also carry, with exactly these values, such as " +
					"`{ environment = \"production\" }` or `{ ref_protected = \"true\" }`. At most 20; not `iss`, `aud`, " +
					"`sub`, `exp`, `nbf`, `iat` or `jti`, which the exchange checks itself. A change replaces the credential.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
				Validators: []validator.Map{
					mapvalidator.SizeAtMost(20),
					mapvalidator.KeysAre(
						stringvalidator.RegexMatches(claimNameRE, "must be letters, digits and _ . : - (a claim name)"),
						stringvalidator.NoneOf(reservedClaimNames...),
					),
					mapvalidator.ValueStringsAre(stringvalidator.UTF8LengthBetween(1, 500)),
				},
			},
			"created_at": schema.StringAttribute{
				MarkdownDescription: "When the credential was created (RFC 3339, UTC).",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"timeouts": timeoutsAttribute(ctx, timeouts.Opts{Create: true, Read: true, Delete: true}),
		},
	}
}

// ModifyPlan plans the organization (the configured one, else the
// provider's default; a different one replaces the credential) and, asking
// the API with reads only, refuses a credential for a user that is not a
// machine user before anything is written.
func (r *federatedCredentialResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.data == nil {
		return
	}
	ctx = r.data.apiContext(ctx)
	var config, plan, state federatedCredentialModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	creating := req.State.Raw.IsNull()
	if !creating {
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := r.data.planOrganizationID(ctx, config.OrganizationID, &resp.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if creating {
		checkMachineUser(ctx, r.data, organizationID, plan.MachineUserID, path.Root("machine_user_id"),
			r.data.wasDropped(federatedCredentialTypeName, credentialParent(organizationID.ValueString(), plan.MachineUserID.ValueString())),
			&resp.Diagnostics)
		return
	}
	if !organizationID.Equal(state.OrganizationID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("organization_id"))
	}
}

func (r *federatedCredentialResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var plan federatedCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	ctx, cancel := withTimeout(ctx, plan.Timeouts.Create, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := r.data.organizationID(ctx, plan.OrganizationID, &resp.Diagnostics)
	claims := map[string]string{}
	if !plan.Claims.IsNull() && !plan.Claims.IsUnknown() {
		resp.Diagnostics.Append(plan.Claims.ElementsAs(ctx, &claims, false)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	in := client.FederatedCredentialCreate{Name: plan.Name.ValueString(), Description: plan.Description.ValueString(),
		Issuer: plan.Issuer.ValueString(), Subject: plan.Subject.ValueString(), Claims: claims}
	if !plan.Audience.IsNull() && !plan.Audience.IsUnknown() {
		in.Audience = plan.Audience.ValueString()
	}
	// The same create in every run: one whose answer was lost is replayed
	// by the next run (see providerData.createKey).
	ctx = withCreateKey(ctx, r.data.createKey(federatedCredentialTypeName, organizationID, plan.MachineUserID.ValueString(), in.Name,
		in.Issuer, in.Audience, in.Subject, plan.Claims.String(), in.Description))
	f, err := r.data.client.CreateFederatedCredential(ctx, organizationID, plan.MachineUserID.ValueString(), in)
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not create federated credential %q for machine user %s", in.Name,
			plan.MachineUserID.ValueString()), err, federatedCredentialFieldPaths)
		return
	}
	plan.setFromAPI(ctx, f)
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *federatedCredentialResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state federatedCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Read, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	organizationID := r.data.organizationID(ctx, state.OrganizationID, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	f, err := r.data.client.GetFederatedCredential(ctx, organizationID, state.MachineUserID.ValueString(), state.ID.ValueString())
	if client.IsNotFound(err) {
		r.data.noteDropped(federatedCredentialTypeName, credentialParent(organizationID, state.MachineUserID.ValueString()))
		dropFromState(ctx, req, resp, r.identity(), "Federated credential deleted outside Terraform",
			fmt.Sprintf("federated credential %s of machine user %s was deleted outside Terraform (or its machine user was); it will be re-created",
				state.ID.ValueString(), state.MachineUserID.ValueString()))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not read federated credential %s", state.ID.ValueString()), err, nil)
		return
	}
	state.setFromAPI(ctx, f)
	resp.Diagnostics.Append(resp.State.Set(ctx, state)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

// Update only ever changes what lives in Terraform alone (timeouts): every
// setting of the credential replaces it.
func (r *federatedCredentialResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan federatedCredentialModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, plan)...)
	r.identity().set(ctx, resp.State, resp.Identity, &resp.Diagnostics)
}

func (r *federatedCredentialResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	ctx, ok := r.begin(ctx, &resp.Diagnostics)
	if !ok {
		return
	}
	var state federatedCredentialModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	ctx, cancel := withTimeout(ctx, state.Timeouts.Delete, &resp.Diagnostics)
	defer cancel()
	if resp.Diagnostics.HasError() {
		return
	}
	err := r.data.client.DeleteFederatedCredential(ctx, state.OrganizationID.ValueString(), state.MachineUserID.ValueString(), state.ID.ValueString())
	if err != nil && !client.IsNotFound(err) { // already gone is what Delete wants
		addAPIError(&resp.Diagnostics, fmt.Sprintf("Could not delete federated credential %s", state.ID.ValueString()), err, nil)
	}
}

// federatedCredentialImportIDForms documents the import IDs in every error
// about one.
const federatedCredentialImportIDForms = `Use "<organization_id>/<machine_user_id>/<credential_id>", or "<machine_user_id>/<credential_id>" for a machine user of the provider's default organization.`

// ImportState takes "<organization_id>/<machine_user_id>/<credential_id>"
// or "<machine_user_id>/<credential_id>".
func (r *federatedCredentialResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	importID := r.identity().importID(ctx, req, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	importMachineUserObject(ctx, importID, "a federated credential", federatedCredentialImportIDForms, resp)
}

func (r *federatedCredentialResource) identity() resourceIdentity { return federatedCredentialIdentity }

func (r *federatedCredentialResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = r.identity().schema()
}
