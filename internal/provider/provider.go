// Package provider is the Terraform provider of the pgcloud platform, built on
// terraform-plugin-framework (protocol 6). It reaches the platform only through
// internal/client.
package provider

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/validators"
)

// The environment variables that stand in for provider settings the
// configuration leaves out.
const (
	envEndpoint       = "PGCLOUD_ENDPOINT"
	envAccessKey      = "PGCLOUD_ACCESS_KEY"
	envOrganizationID = "PGCLOUD_ORGANIZATION_ID"
	envMaxRetries     = "PGCLOUD_MAX_RETRIES"
	envRequestTimeout = "PGCLOUD_REQUEST_TIMEOUT"

	envOIDCToken        = "PGCLOUD_OIDC_TOKEN"
	envOIDCTokenFile    = "PGCLOUD_OIDC_TOKEN_FILE"
	envOIDCRequestURL   = "PGCLOUD_OIDC_REQUEST_URL"
	envOIDCRequestToken = "PGCLOUD_OIDC_REQUEST_TOKEN"
	envOIDCAudience     = "PGCLOUD_OIDC_AUDIENCE"
	// GitHub Actions sets these in a job with permissions id-token: write;
	// they are used when no way of authenticating is configured at all.
	envActionsRequestURL   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	envActionsRequestToken = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
	// HCP Terraform names there the file of a run's workload identity
	// token (TFC_WORKLOAD_IDENTITY_AUDIENCE set on the workspace).
	envTFCTokenPath = "TFC_WORKLOAD_IDENTITY_TOKEN_PATH"
)

const (
	defaultMaxRetries     = 4
	defaultRequestTimeout = "30s"
)

var (
	_ provider.Provider                       = (*pgcloudProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*pgcloudProvider)(nil)
	_ provider.ProviderWithListResources      = (*pgcloudProvider)(nil)
	_ provider.ProviderWithActions            = (*pgcloudProvider)(nil)
)

type pgcloudProvider struct {
	// version is the provider's release ("dev" for local builds, "test" in
	// acceptance tests); it ends up in the User-Agent of every API request.
	version string

	// now is the provider's clock (access-key rotation windows and expiry);
	// nil is time.Now. Only tests set it.
	now func() time.Time
}

// New returns the constructor of the provider that providerserver serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &pgcloudProvider{version: version}
	}
}

// pgcloudProviderModel is the provider block.
type pgcloudProviderModel struct {
	Endpoint       types.String `tfsdk:"endpoint"`
	AccessKey      types.String `tfsdk:"access_key"`
	OrganizationID types.String `tfsdk:"organization_id"`
	MaxRetries     types.Int64  `tfsdk:"max_retries"`
	RequestTimeout types.String `tfsdk:"request_timeout"`

	OIDCToken        types.String `tfsdk:"oidc_token"`
	OIDCTokenFile    types.String `tfsdk:"oidc_token_file"`
	OIDCRequestURL   types.String `tfsdk:"oidc_request_url"`
	OIDCRequestToken types.String `tfsdk:"oidc_request_token"`
	OIDCAudience     types.String `tfsdk:"oidc_audience"`
}

func (p *pgcloudProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "pgcloud"
	resp.Version = p.version
}

func (p *pgcloudProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The pgcloud provider manages the machine identities of a pgcloud " +
			"Postgres-as-a-service platform: machine users, their access keys and role bindings, " +
			"and the database users of its PostgreSQL clusters. Every setting can also come from " +
			"a `PGCLOUD_*` environment variable; a value in the provider block wins.",
		Attributes: map[string]schema.Attribute{
			"endpoint": schema.StringAttribute{
				MarkdownDescription: "URL of the pgcloud API, such as `https://pgcloud.example.com` " +
					"(with or without the `/api/v1` suffix). Can also be set with the `" + envEndpoint +
					"` environment variable. Required in one of the two places.",
				Optional: true,
			},
			"access_key": schema.StringAttribute{
				MarkdownDescription: "Access key the provider authenticates with (`pgc_...`), or a session token " +
					"(`pgs_...`, such as the ephemeral `pgcloud_access_key` opens). Can also be " +
					"set with the `" + envAccessKey + "` environment variable, which keeps it out of the " +
					"configuration. Exactly one way of authenticating is set: this, or one of the `oidc_*` ways.",
				Optional:  true,
				Sensitive: true,
			},
			"oidc_token": schema.StringAttribute{
				MarkdownDescription: "An OIDC ID token (a JWT) of a CI system or workload, which the provider exchanges " +
					"for a short-lived session token of the machine user whose `pgcloud_machine_user_federated_credential` " +
					"trusts it: a pipeline then holds no pgcloud secret. Can also be set with the `" + envOIDCToken + "` " +
					"environment variable. A token given this way cannot be renewed: prefer `oidc_token_file` or " +
					"`oidc_request_url` for runs longer than the token's life.",
				Optional:  true,
				Sensitive: true,
			},
			"oidc_token_file": schema.StringAttribute{
				MarkdownDescription: "Path of a file holding an OIDC ID token (GitLab CI `id_tokens` written to a file, " +
					"a Kubernetes projected service account token, HCP Terraform's workload identity token file), read " +
					"again at every exchange. Can also be set with the `" + envOIDCTokenFile + "` environment variable. " +
					"When no way of authenticating is set at all, the provider uses the file `" + envTFCTokenPath +
					"` names, which HCP Terraform sets in a workspace with `TFC_WORKLOAD_IDENTITY_AUDIENCE`.",
				Optional: true,
			},
			"oidc_request_url": schema.StringAttribute{
				MarkdownDescription: "URL to request a fresh OIDC ID token from, the GitHub Actions way " +
					"(`ACTIONS_ID_TOKEN_REQUEST_URL`), with `oidc_request_token`. Can also be set with the `" +
					envOIDCRequestURL + "` environment variable. When no way of authenticating is set at all, the " +
					"provider uses `" + envActionsRequestURL + "` and `" + envActionsRequestToken + "`, which GitHub " +
					"Actions sets in a job with `permissions: id-token: write`.",
				Optional: true,
			},
			"oidc_request_token": schema.StringAttribute{
				MarkdownDescription: "Bearer token of `oidc_request_url` (`ACTIONS_ID_TOKEN_REQUEST_TOKEN`). Can also be set " +
					"with the `" + envOIDCRequestToken + "` environment variable.",
				Optional:  true,
				Sensitive: true,
			},
			"oidc_audience": schema.StringAttribute{
				MarkdownDescription: "Audience the provider asks `oidc_request_url` to put in the ID token; it must be the " +
					"`audience` of the federated credential. Can also be set with the `" + envOIDCAudience + "` environment " +
					"variable. Defaults to the endpoint's URL without its path (`https://pgcloud.example.com`), the " +
					"server's default audience when it runs without `--oidc-audience`.",
				Optional: true,
			},
			"organization_id": schema.StringAttribute{
				MarkdownDescription: "Organization that resources and data sources use when their own " +
					"`organization_id` is not set. Can also be set with the `" + envOrganizationID +
					"` environment variable. Defaults to the organization of the access key's user.",
				Optional: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: fmt.Sprintf("How many times a request is retried after a connection "+
					"error or a temporary server error (502, 503, 504); `0` turns these retries off. A request "+
					"the API's rate limit refuses (429) is not counted: it is retried, after the wait the API asks "+
					"for, for as long as the resource's `timeouts` allow (`%dm` by default). All the requests of a run "+
					"share the rate limit the API announces, and wait for room in it before they are sent. Can also be set with the `%s` environment variable. Defaults to `%d`.",
					int(defaultOperationTimeout.Minutes()), envMaxRetries, defaultMaxRetries),
				Optional:   true,
				Validators: []validator.Int64{int64validator.AtLeast(0)},
			},
			"request_timeout": schema.StringAttribute{
				MarkdownDescription: "How long one attempt of a request may take, as a duration such as " +
					"`30s` or `2m`. Can also be set with the `" + envRequestTimeout + "` environment " +
					"variable. Defaults to `" + defaultRequestTimeout + "`.",
				Optional:   true,
				Validators: []validator.String{validators.Duration()},
			},
		},
	}
}

func (p *pgcloudProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config pgcloudProviderModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A setting computed from a resource that is not applied yet is unknown
	// during plan. Failing here would make such configurations impossible, so
	// the provider defers when Terraform allows it and otherwise stays
	// unconfigured; resources and data sources then explain that they need a
	// known configuration when they are actually asked to talk to the API.
	if config.hasUnknownValue() {
		tflog.Warn(ctx, "pgcloud provider configuration has values that are not known yet; the provider stays unconfigured for now")
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
		}
		return
	}

	settings := resolveSettings(config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}

	// Whatever logs the access key from here on, as a field or inside a
	// message, logs it masked.
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, "access_key", "pgcloud_access_key", "oidc_token", "oidc_request_token")
	for _, secret := range []string{settings.accessKey, settings.oidcToken, settings.oidcRequestToken} {
		if secret != "" {
			ctx = tflog.MaskMessageStrings(ctx, secret)
		}
	}
	tflog.Debug(ctx, "Configuring the pgcloud API client", map[string]any{
		"pgcloud_endpoint":        settings.endpoint,
		"pgcloud_organization_id": settings.organizationID,
		"pgcloud_max_retries":     settings.maxRetries,
		"pgcloud_request_timeout": settings.requestTimeout.String(),
		"pgcloud_auth":            settings.authName(),
	})

	logger := newClientLogger(settings.accessKey)
	c, err := client.New(client.Config{
		Endpoint:       settings.endpoint,
		AccessKey:      settings.accessKey,
		IDToken:        settings.idTokenSource(),
		MaxRetries:     settings.maxRetries,
		RequestTimeout: settings.requestTimeout,
		UserAgent:      "terraform-provider-pgcloud/" + p.version,
		Logger:         logger,
		// The error of a request whose retries ran out names these.
		MaxRetriesSetting: "max_retries (or " + envMaxRetries + ")",
		DeadlineSetting:   fmt.Sprintf("the resource's timeouts (%dm by default)", int(defaultOperationTimeout.Minutes())),
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Invalid pgcloud API endpoint",
			fmt.Sprintf("The pgcloud API client could not be set up with endpoint %q: %s. Set endpoint (or %s) to a URL such as https://pgcloud.example.com.",
				settings.endpoint, err, envEndpoint))
		return
	}

	// An ID token is exchanged now, so that a refused one fails the run
	// here, on the setting it came from.
	if settings.accessKey == "" {
		if _, err := c.Exchange(logger.prepare(ctx)); err != nil {
			addExchangeError(&resp.Diagnostics, settings, err)
			return
		}
	}

	// One whoami now makes a refused or revoked key (or an unreachable API)
	// fail the run once, here on the provider block, instead of once per
	// resource, and only at apply where organization_id spares the plan
	// every read; it also learns the caller's organization for all of them.
	me, err := c.WhoAmI(logger.prepare(ctx))
	if err != nil {
		addCallerError(&resp.Diagnostics, settings.endpoint, err)
		return
	}

	data := newProviderData(c, logger, settings.organizationID)
	data.callerOrganization.id = me.Organization.ID
	data.callerUserID = me.User.ID
	data.accessKey = settings.accessKey
	data.now = p.now
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.EphemeralResourceData = data
	resp.ListResourceData = data
	resp.ActionData = data
}

func (m pgcloudProviderModel) hasUnknownValue() bool {
	return m.Endpoint.IsUnknown() || m.AccessKey.IsUnknown() || m.OrganizationID.IsUnknown() ||
		m.MaxRetries.IsUnknown() || m.RequestTimeout.IsUnknown() || m.OIDCToken.IsUnknown() || m.OIDCTokenFile.IsUnknown() ||
		m.OIDCRequestURL.IsUnknown() || m.OIDCRequestToken.IsUnknown() || m.OIDCAudience.IsUnknown()
}

// providerSettings are the provider's settings after configuration, the
// environment and defaults have been applied, in that order of precedence.
type providerSettings struct {
	endpoint       string
	accessKey      string
	organizationID string
	maxRetries     int
	requestTimeout time.Duration

	// The OIDC ID token to exchange instead of an access key: one of these.
	oidcToken, oidcTokenFile, oidcRequestURL, oidcRequestToken, oidcAudience string
	// auth is the attribute of the way of authenticating in use, for the
	// errors ("access_key", "oidc_token", ...).
	auth string
}

// authName names the way of authenticating in use, for the log.
func (s providerSettings) authName() string { return s.auth }

// idTokenSource is where the client gets the ID token to exchange; nil
// with an access key.
func (s providerSettings) idTokenSource() client.IDTokenSource {
	switch {
	case s.oidcToken != "":
		return client.StaticIDToken(s.oidcToken)
	case s.oidcTokenFile != "":
		return client.IDTokenFromFile(s.oidcTokenFile)
	case s.oidcRequestURL != "":
		return client.IDTokenFromRequestURL(s.oidcRequestURL, s.oidcRequestToken, s.oidcAudience, s.requestTimeout)
	}
	return nil
}

func resolveSettings(config pgcloudProviderModel, diags *diag.Diagnostics) providerSettings {
	s := providerSettings{
		endpoint: stringSetting(config.Endpoint, envEndpoint),
		// A key read from a file (access_key = file(...), or the server's
		// bootstrap-access-key) usually ends in a newline that is not part
		// of it.
		accessKey:      strings.TrimSpace(stringSetting(config.AccessKey, envAccessKey)),
		organizationID: stringSetting(config.OrganizationID, envOrganizationID),
		maxRetries:     defaultMaxRetries,
	}
	if s.endpoint == "" {
		diags.AddAttributeError(path.Root("endpoint"), "Missing pgcloud API endpoint",
			"Set endpoint in the provider block or the "+envEndpoint+" environment variable to the URL of the pgcloud API, such as https://pgcloud.example.com.")
	}
	resolveAuth(config, &s, diags)
	switch {
	case s.auth != "access_key":
	case strings.IndexFunc(s.accessKey, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		// Never the key itself in the message: it may be a real one.
		diags.AddAttributeError(path.Root("access_key"), "Invalid pgcloud access key",
			"The access key (from access_key or "+envAccessKey+") contains a space, a line break or another control character "+
				"inside it, which no pgcloud access key (pgc_...) does. Check that the whole key, and nothing else, was copied.")
	}

	switch {
	case !config.MaxRetries.IsNull():
		s.maxRetries = int(config.MaxRetries.ValueInt64())
	case os.Getenv(envMaxRetries) != "":
		n, err := strconv.Atoi(os.Getenv(envMaxRetries))
		if err != nil || n < 0 {
			diags.AddAttributeError(path.Root("max_retries"), "Invalid "+envMaxRetries,
				fmt.Sprintf("%s is %q; set it to a whole number of retries, 0 or more (the default is %d).", envMaxRetries, os.Getenv(envMaxRetries), defaultMaxRetries))
		}
		s.maxRetries = n
	}

	timeout := stringSetting(config.RequestTimeout, envRequestTimeout)
	if timeout == "" {
		timeout = defaultRequestTimeout
	}
	if err := validators.CheckDuration(timeout); err != nil {
		// The schema validator already vetted a configured value, so this
		// can only be the environment variable.
		diags.AddAttributeError(path.Root("request_timeout"), "Invalid "+envRequestTimeout, fmt.Sprintf("%s: %s.", envRequestTimeout, err))
	} else {
		s.requestTimeout, _ = time.ParseDuration(timeout)
	}
	return s
}

// resolveAuth picks the one way of authenticating: access_key, oidc_token,
// oidc_token_file or oidc_request_url (with oidc_request_token), each from
// the provider block or its environment variable. More than one is an
// error that names them all; none falls back to the GitHub Actions
// variables, else is an error that lists the ways.
func resolveAuth(config pgcloudProviderModel, s *providerSettings, diags *diag.Diagnostics) {
	s.oidcToken = strings.TrimSpace(stringSetting(config.OIDCToken, envOIDCToken))
	s.oidcTokenFile = stringSetting(config.OIDCTokenFile, envOIDCTokenFile)
	s.oidcRequestURL = stringSetting(config.OIDCRequestURL, envOIDCRequestURL)
	s.oidcRequestToken = strings.TrimSpace(stringSetting(config.OIDCRequestToken, envOIDCRequestToken))
	s.oidcAudience = stringSetting(config.OIDCAudience, envOIDCAudience)
	type way struct {
		attr, env string
		set       bool
		fromEnv   bool
	}
	ways := []way{
		{"access_key", envAccessKey, s.accessKey != "", config.AccessKey.IsNull()},
		{"oidc_token", envOIDCToken, s.oidcToken != "", config.OIDCToken.IsNull()},
		{"oidc_token_file", envOIDCTokenFile, s.oidcTokenFile != "", config.OIDCTokenFile.IsNull()},
		{"oidc_request_url", envOIDCRequestURL, s.oidcRequestURL != "", config.OIDCRequestURL.IsNull()},
	}
	var set []string
	for _, w := range ways {
		if w.set {
			s.auth = w.attr
			if w.fromEnv {
				set = append(set, w.attr+" (from "+w.env+")")
			} else {
				set = append(set, w.attr)
			}
		}
	}
	switch {
	case len(set) > 0:
	case os.Getenv(envActionsRequestURL) != "" && os.Getenv(envActionsRequestToken) != "":
		s.oidcRequestURL, s.oidcRequestToken = os.Getenv(envActionsRequestURL), os.Getenv(envActionsRequestToken)
		s.auth = "oidc_request_url"
		set = []string{"oidc_request_url (from " + envActionsRequestURL + ")"}
	case os.Getenv(envTFCTokenPath) != "":
		s.oidcTokenFile = os.Getenv(envTFCTokenPath)
		s.auth = "oidc_token_file"
		set = []string{"oidc_token_file (from " + envTFCTokenPath + ")"}
	}
	switch {
	case len(set) == 0:
		diags.AddAttributeError(path.Root("access_key"), "Missing pgcloud credentials",
			"Set access_key in the provider block or the "+envAccessKey+" environment variable to an access key of the pgcloud "+
				"API (pgc_...); the environment variable keeps the key out of the configuration. Or, to hold no secret at all in a "+
				"pipeline, give an OIDC ID token that a federated credential of a machine user trusts: "+
				"oidc_token_file (or "+envOIDCTokenFile+"), oidc_token (or "+envOIDCToken+"), or oidc_request_url and "+
				"oidc_request_token (or "+envOIDCRequestURL+" and "+envOIDCRequestToken+"; in GitHub Actions, permissions: "+
				"id-token: write sets what they default to).")
		return
	case len(set) > 1:
		diags.AddAttributeError(path.Root(s.auth), "Conflicting pgcloud credentials",
			"Set exactly one way of authenticating to the pgcloud API; these are all set: "+strings.Join(set, ", ")+
				". Remove all but one (an environment variable counts as set).")
		return
	}
	if s.auth == "oidc_request_url" {
		if s.oidcRequestToken == "" {
			diags.AddAttributeError(path.Root("oidc_request_token"), "Missing OIDC request token",
				"oidc_request_url is set: set oidc_request_token (or "+envOIDCRequestToken+") to the bearer token of that URL "+
					"(in GitHub Actions, ACTIONS_ID_TOKEN_REQUEST_TOKEN).")
		}
		if s.oidcAudience == "" {
			if u, err := url.Parse(s.endpoint); err == nil && u.Host != "" {
				s.oidcAudience = u.Scheme + "://" + u.Host
			}
		}
	} else if s.oidcRequestToken != "" && !config.OIDCRequestToken.IsNull() {
		diags.AddAttributeError(path.Root("oidc_request_token"), "OIDC request token without a request URL",
			"oidc_request_token goes with oidc_request_url, which is not set; set both, or neither.")
	}
}

// addExchangeError explains why the token exchange refused the provider's
// OIDC ID token, on the setting it came from.
func addExchangeError(diags *diag.Diagnostics, s providerSettings, err error) {
	if client.IsUnauthenticated(err) {
		detail := "The pgcloud API refused to exchange the provider's OIDC ID token (from " + s.auth + ")"
		if apiErr, ok := client.AsAPIError(err); ok {
			detail += ": " + apiErr.Message + "\n\n" + apiErrorTrailer(apiErr)
		}
		diags.AddAttributeError(path.Root(s.auth), "pgcloud token exchange refused",
			detail+"\n\nA pgcloud_machine_user_federated_credential of the machine user must trust the token: its issuer exactly as "+
				"the token's iss, its audience in the token's aud, its subject matching the token's sub, and its claims.")
		return
	}
	if _, ok := client.AsAPIError(err); ok {
		addAPIError(diags, "Could not exchange the provider's OIDC ID token (from "+s.auth+")", err, nil)
		return
	}
	diags.AddAttributeError(path.Root(s.auth), "Could not get the OIDC ID token to exchange", err.Error())
}

// stringSetting is the configured value, else the environment variable's.
func stringSetting(configured types.String, envVar string) string {
	if !configured.IsNull() {
		return configured.ValueString()
	}
	return os.Getenv(envVar)
}

func (p *pgcloudProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		NewMachineUserResource,
		NewAccessKeyResource,
		NewFederatedCredentialResource,
		NewOrgRoleBindingResource,
		NewProjectRoleBindingResource,
		NewPostgresClusterUserResource,
		NewPostgresClusterRoleResource,
	}
}

func (p *pgcloudProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewOrganizationDataSource,
		NewProjectDataSource,
		NewMachineUserDataSource,
		NewRolesDataSource,
		NewUserDataSource,
		NewPostgresClusterDataSource,
		NewPostgresClusterUsersDataSource,
	}
}

func (p *pgcloudProvider) EphemeralResources(context.Context) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewAccessKeyEphemeralResource,
	}
}

// ListResources are what `terraform query` lists (Terraform 1.14+), one per
// resource type, named as the resource they find.
func (p *pgcloudProvider) ListResources(context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		NewMachineUserListResource,
		NewAccessKeyListResource,
		NewOrgRoleBindingListResource,
		NewProjectRoleBindingListResource,
		NewPostgresClusterUserListResource,
	}
}

// Actions are operations run on demand (terraform apply -invoke=..., or a
// resource's action_trigger), for incident response; they keep nothing in
// state.
func (p *pgcloudProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{
		NewMachineUserRevokeSessionsAction,
		NewPostgresClusterUserTerminateConnectionsAction,
	}
}

// addCallerError explains why the provider could not act as its access key.
func addCallerError(diags *diag.Diagnostics, endpoint string, err error) {
	if client.IsUnauthenticated(err) {
		detail := "The pgcloud API refused the provider's access key"
		if apiErr, ok := client.AsAPIError(err); ok {
			detail += ": " + apiErr.Message + "\n\n" + apiErrorTrailer(apiErr)
		}
		diags.AddAttributeError(path.Root("access_key"), "pgcloud access key refused",
			detail+"\n\nSet access_key (or "+envAccessKey+") to a valid, unexpired key of the pgcloud API; a deleted or expired key "+
				"needs replacing by a new one.")
		return
	}
	addAPIError(diags, fmt.Sprintf("Could not reach the pgcloud API at %s as the provider's access key", endpoint), err, nil)
}
