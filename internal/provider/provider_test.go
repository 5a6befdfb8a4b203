package provider

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/list"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	acc "github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv"
)

// testEnv is the real pgcloud server the acceptance tests of this package run
// against; nil unless TF_ACC is set.
var testEnv *testenv.Env

// TestMain starts one server for the whole package and points the provider at
// it through the environment, so test configurations need no provider block
// (as a user's would not, with PGCLOUD_* set).
func TestMain(m *testing.M) {
	if os.Getenv(acc.EnvTfAcc) == "" {
		os.Exit(m.Run())
	}
	// An OIDC issuer of the tests (testoidc) listens on loopback, over http.
	env, err := testenv.Start(testenv.Options{LogTo: &testServerLog, AllowHTTPIssuers: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start the pgcloud test server:", err)
		os.Exit(1)
	}
	for name, value := range map[string]string{envEndpoint: env.URL, envAccessKey: env.AdminKey} {
		if err := os.Setenv(name, value); err != nil {
			fmt.Fprintln(os.Stderr, err)
			env.Close()
			os.Exit(1)
		}
	}
	testEnv = env
	code := m.Run()
	removeProviderMirror()
	stopTestPostgres()
	env.Close()
	os.Exit(code)
}

// protoV6ProviderFactories serve the provider in-process to the terraform CLI.
var protoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"pgcloud": providerserver.NewProtocol6WithError(New("test")()),
}

// accEnv skips the test unless acceptance tests run (TF_ACC), and returns the
// server they run against.
func accEnv(t *testing.T) *testenv.Env {
	t.Helper()
	if testEnv == nil {
		t.Skipf("acceptance test: set %s=1 to run it against a real pgcloud server", acc.EnvTfAcc)
	}
	return testEnv
}

// randomName is unique per test run, so tests never collide on usernames.
func randomName(prefix string) string {
	return prefix + "-" + acctest.RandStringFromCharSet(10, acctest.CharSetAlphaNum)
}

// errorText matches a sentence of a diagnostic however Terraform wrapped it
// across lines.
func errorText(sentence string) *regexp.Regexp {
	words := strings.Fields(sentence)
	for i, w := range words {
		words[i] = regexp.QuoteMeta(w)
	}
	return regexp.MustCompile(strings.Join(words, `\s+`))
}

// errorTexts matches the sentences of a diagnostic in this order, however
// Terraform wrapped them, with anything between them.
func errorTexts(sentences ...string) *regexp.Regexp {
	patterns := make([]string, len(sentences))
	for i, s := range sentences {
		patterns[i] = errorText(s).String()
	}
	return regexp.MustCompile(`(?s)` + strings.Join(patterns, ".*"))
}

// --- unit tests (no server) ---

// registeredTypes names every resource, data source and ephemeral resource
// the provider registers, by kind, as its Metadata names them, and the
// resources that can be imported (resource.ResourceWithImportState).
func registeredTypes(t *testing.T) (resources, dataSources, ephemeralResources []string, importable map[string]bool) {
	t.Helper()
	ctx := context.Background()
	p := New("test")().(fwprovider.ProviderWithEphemeralResources)
	importable = map[string]bool{}
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		resources = append(resources, meta.TypeName)
		if _, ok := r.(resource.ResourceWithImportState); ok {
			importable[meta.TypeName] = true
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		var meta datasource.MetadataResponse
		newDataSource().Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		dataSources = append(dataSources, meta.TypeName)
	}
	for _, newEphemeral := range p.EphemeralResources(ctx) {
		var meta ephemeral.MetadataResponse
		newEphemeral().Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		ephemeralResources = append(ephemeralResources, meta.TypeName)
	}
	return resources, dataSources, ephemeralResources, importable
}

// registeredListResources names every list resource the provider registers,
// as its Metadata names it: the resource type it lists.
func registeredListResources(t *testing.T) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for _, newList := range New("test")().(fwprovider.ProviderWithListResources).ListResources(ctx) {
		var meta resource.MetadataResponse
		newList().Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		names = append(names, meta.TypeName)
	}
	return names
}

// registeredActions names every action the provider registers, as its
// Metadata names them.
func registeredActions(t *testing.T) (actions []string) {
	t.Helper()
	ctx := context.Background()
	for _, newAction := range New("test")().(fwprovider.ProviderWithActions).Actions(ctx) {
		var meta action.MetadataResponse
		newAction().Metadata(ctx, action.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		actions = append(actions, meta.TypeName)
	}
	return actions
}

// The schema the provider serves holds exactly the types it registers, all
// valid, and each has its generated page in docs/ and its example in
// examples/, so no type the provider registers escapes the docs. A list
// resource lists a resource of its name that has an identity: Terraform
// imports what it finds by that identity. Each resource that can be
// imported shows both ways to import it, in examples/ and on its page: the
// terraform import command (import.sh) and an import block
// (import-by-string-id.tf, which make validate-examples validates with the
// resource's example).
func TestProviderSchemaIsValid(t *testing.T) {
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("%s: %s: %s", d.Severity, d.Summary, d.Detail)
	}
	resources, dataSources, ephemeralResources, importable := registeredTypes(t)
	listResources := registeredListResources(t)
	identities, err := server.GetResourceIdentitySchemas(context.Background(), &tfprotov6.GetResourceIdentitySchemasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range listResources {
		if _, ok := resp.ResourceSchemas[name]; !ok {
			t.Errorf("list resource %s lists no resource of its name", name)
		} else if _, ok := identities.IdentitySchemas[name]; !ok {
			t.Errorf("list resource %s lists resource %s, which has no identity to import by", name, name)
		}
	}
	for _, kind := range []struct {
		name       string
		registered []string
		served     []string
		docs       string // docs/<docs>/<type without "pgcloud_">.md
		example    string // examples/<example>/<type>/<exampleFile>
		file       string
	}{
		{"resource", resources, slices.Collect(maps.Keys(resp.ResourceSchemas)), "resources", "resources", "resource.tf"},
		{"data source", dataSources, slices.Collect(maps.Keys(resp.DataSourceSchemas)), "data-sources", "data-sources", "data-source.tf"},
		{"ephemeral resource", ephemeralResources, slices.Collect(maps.Keys(resp.EphemeralResourceSchemas)), "ephemeral-resources", "ephemeral-resources", "ephemeral-resource.tf"},
		{"list resource", listResources, slices.Collect(maps.Keys(resp.ListResourceSchemas)), "list-resources", "list-resources", "list-resource.tfquery.hcl"},
		{"action", registeredActions(t), slices.Collect(maps.Keys(resp.ActionSchemas)), "actions", "actions", "action.tf"},
	} {
		slices.Sort(kind.registered)
		slices.Sort(kind.served)
		if !slices.Equal(kind.registered, kind.served) {
			t.Errorf("%ss: registered %v, but the schema serves %v", kind.name, kind.registered, kind.served)
		}
		if len(kind.registered) == 0 {
			t.Errorf("no %s is registered", kind.name)
		}
		for _, name := range kind.registered {
			for _, f := range []string{
				filepath.Join("..", "..", "docs", kind.docs, strings.TrimPrefix(name, "pgcloud_")+".md"),
				filepath.Join("..", "..", "examples", kind.example, name, kind.file),
			} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("%s %s: %v", kind.name, name, err)
				}
			}
		}
	}
	if len(importable) == 0 {
		t.Error("no resource can be imported: does registeredTypes still find resource.ResourceWithImportState?")
	}
	for name := range importable {
		checkImportExamples(t, name)
	}
}

// checkImportExamples checks that the importable resource name has both
// import examples, that the import block imports into a resource of the
// example (terraform validate does not check that), and that its docs page
// shows them.
func checkImportExamples(t *testing.T, name string) {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", "resources", name)
	page := filepath.Join("..", "..", "docs", "resources", strings.TrimPrefix(name, "pgcloud_")+".md")
	address := regexp.QuoteMeta(name) + `\.[A-Za-z_][A-Za-z0-9_-]*`
	for _, example := range []struct {
		file, want, what string
	}{
		{"import.sh", `(?m)^terraform import ` + address + ` \S`, "a `terraform import " + name + ".<name> <id>` command"},
		{"import-by-string-id.tf", `(?m)^import\s*\{[^}]*\bto\s*=\s*` + address, "an `import { to = " + name + ".<name> ... }` block"},
		// Every resource has an identity (Terraform 1.12+).
		{"import-by-identity.tf", `(?m)^import\s*\{[^}]*\bto\s*=\s*` + address + `\s+identity\s*=\s*\{`,
			"an `import { to = " + name + ".<name>  identity = { ... } }` block"},
	} {
		path := filepath.Join(dir, example.file)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("resource %s can be imported, but has no %s example: %v", name, example.file, err)
			continue
		}
		if !regexp.MustCompile(example.want).Match(raw) {
			t.Errorf("%s: want %s", path, example.what)
		}
		if strings.HasSuffix(example.file, ".tf") {
			checkImportTargets(t, dir, path, raw)
		}
		doc, err := os.ReadFile(page)
		if err != nil {
			continue // reported above, with the other pages
		}
		if !strings.Contains(string(doc), strings.TrimSpace(string(raw))) {
			t.Errorf("%s does not show %s: its template (templates/resources/) should include it "+
				"({{ codefile \"shell\" .ImportFile }}, {{ tffile .ImportIDConfigFile }}, {{ tffile .ImportIdentityConfigFile }}), then run make docs", page, path)
		}
	}
}

// describedAttribute is what every framework schema attribute offers.
type describedAttribute interface {
	GetDescription() string
	GetMarkdownDescription() string
	GetType() attr.Type
}

// The registry docs are generated from the schemas, so every schema and every
// attribute must say what it is.
func TestSchemasAreDocumented(t *testing.T) {
	ctx := context.Background()
	p := New("test")()

	var providerSchema fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &providerSchema)
	checkDocumented(t, "provider", providerSchema.Schema.MarkdownDescription, providerSchema.Schema.Attributes)
	checkNoBlocks(t, "provider", len(providerSchema.Schema.Blocks))
	if diags := providerSchema.Schema.ValidateImplementation(ctx); diags.HasError() {
		t.Errorf("provider schema: %v", diags)
	}

	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &s)
		checkDocumented(t, meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		checkNoBlocks(t, meta.TypeName, len(s.Schema.Blocks))
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("%s: %v", meta.TypeName, diags)
		}
	}
	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &s)
		checkDocumented(t, "data."+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		checkNoBlocks(t, "data."+meta.TypeName, len(s.Schema.Blocks))
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("data.%s: %v", meta.TypeName, diags)
		}
	}
	for _, newEphemeral := range p.(fwprovider.ProviderWithEphemeralResources).EphemeralResources(ctx) {
		e := newEphemeral()
		var meta ephemeral.MetadataResponse
		e.Metadata(ctx, ephemeral.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s ephemeral.SchemaResponse
		e.Schema(ctx, ephemeral.SchemaRequest{}, &s)
		checkDocumented(t, "ephemeral."+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		checkNoBlocks(t, "ephemeral."+meta.TypeName, len(s.Schema.Blocks))
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("ephemeral.%s: %v", meta.TypeName, diags)
		}
	}
	for _, newAction := range p.(fwprovider.ProviderWithActions).Actions(ctx) {
		a := newAction()
		var meta action.MetadataResponse
		a.Metadata(ctx, action.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s action.SchemaResponse
		a.Schema(ctx, action.SchemaRequest{}, &s)
		checkDocumented(t, "action."+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("action.%s: %v", meta.TypeName, diags)
		}
		// An action is run by a command, not by a plan of resources: its
		// documentation gives that command.
		if invoke := "terraform apply -invoke=action." + meta.TypeName + ".<name>"; !strings.Contains(s.Schema.MarkdownDescription, invoke) {
			t.Errorf("action.%s: the description does not give the command %q", meta.TypeName, invoke)
		}
	}
}

// Every list resource's config block (the `config` of a list block) says
// what it is and what each of its arguments does, and is valid.
func TestListResourceSchemasAreDocumented(t *testing.T) {
	ctx := context.Background()
	for _, newList := range New("test")().(fwprovider.ProviderWithListResources).ListResources(ctx) {
		l := newList()
		var meta resource.MetadataResponse
		l.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "pgcloud"}, &meta)
		var s list.ListResourceSchemaResponse
		l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &s)
		checkDocumented(t, "list."+meta.TypeName, s.Schema.MarkdownDescription, s.Schema.Attributes)
		if diags := s.Schema.ValidateImplementation(ctx); diags.HasError() {
			t.Errorf("list.%s: %v", meta.TypeName, diags)
		}
	}
}

// checkImportTargets checks that every import block of the file at path
// imports into a resource block of the example directory dir.
func checkImportTargets(t *testing.T, dir, path string, raw []byte) {
	t.Helper()
	var config []byte
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		config = append(config, b...)
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*to\s*=\s*([A-Za-z0-9_]+)\.([A-Za-z0-9_-]+)\s*$`).FindAllSubmatch(raw, -1) {
		block := `(?m)^resource\s+"` + regexp.QuoteMeta(string(m[1])) + `"\s+"` + regexp.QuoteMeta(string(m[2])) + `"\s*\{`
		if !regexp.MustCompile(block).Match(config) {
			t.Errorf("%s imports into %s.%s, which no resource block of %s declares", path, m[1], m[2], dir)
		}
	}
}

// checkNoBlocks fails on schema blocks: the schemas use nested attributes
// only, and checkDocumented does not look into blocks.
func checkNoBlocks(t *testing.T, name string, blocks int) {
	t.Helper()
	if blocks > 0 {
		t.Errorf("%s has %d blocks, whose descriptions this test does not check yet: add a case to checkDocumented", name, blocks)
	}
}

func checkDocumented[A describedAttribute](t *testing.T, name, description string, attributes map[string]A) {
	t.Helper()
	if description == "" {
		t.Errorf("%s has no MarkdownDescription", name)
	}
	for attrName, a := range attributes {
		if a.GetMarkdownDescription() == "" && a.GetDescription() == "" {
			t.Errorf("%s.%s has no MarkdownDescription", name, attrName)
		}
		// Nested attributes (timeouts, lists of roles and users) document
		// their own attributes too.
		switch nested := any(a).(type) {
		case rschema.SingleNestedAttribute:
			checkDocumented(t, name+"."+attrName, nested.GetMarkdownDescription(), nested.Attributes)
		case dschema.ListNestedAttribute:
			checkDocumented(t, name+"."+attrName, nested.GetMarkdownDescription(), nested.NestedObject.Attributes)
		default:
			typ := a.GetType()
			if c, ok := typ.(attr.TypeWithElementType); ok {
				typ = c.ElementType()
			}
			if _, ok := typ.(basetypes.ObjectTypable); ok {
				t.Errorf("%s.%s is a nested attribute of a kind (%T) this test does not look into yet: add a case", name, attrName, a)
			}
		}
	}
}

func TestResolveSettings(t *testing.T) {
	for _, v := range []string{envEndpoint, envAccessKey, envOrganizationID, envMaxRetries, envRequestTimeout, envOIDCToken,
		envOIDCTokenFile, envOIDCRequestURL, envOIDCRequestToken, envActionsRequestURL, envActionsRequestToken, envTFCTokenPath} {
		t.Setenv(v, "")
	}

	t.Run("defaults", func(t *testing.T) {
		var diags diag.Diagnostics
		s := resolveSettings(pgcloudProviderModel{
			Endpoint:  types.StringValue("https://pgcloud.example.com"),
			AccessKey: types.StringValue("pgc_key"),
		}, &diags)
		if diags.HasError() {
			t.Fatal(diags)
		}
		if s.maxRetries != 4 || s.requestTimeout != 30*time.Second || s.organizationID != "" {
			t.Fatalf("defaults: %+v", s)
		}
	})

	t.Run("environment fills in, configuration wins", func(t *testing.T) {
		t.Setenv(envEndpoint, "https://from-env.example.com")
		t.Setenv(envAccessKey, "pgc_from_env")
		t.Setenv(envOrganizationID, "org-from-env")
		t.Setenv(envMaxRetries, "7")
		t.Setenv(envRequestTimeout, "45s")
		var diags diag.Diagnostics
		s := resolveSettings(pgcloudProviderModel{
			Endpoint:       types.StringValue("https://from-config.example.com"),
			AccessKey:      types.StringNull(),
			OrganizationID: types.StringNull(),
			MaxRetries:     types.Int64Value(1),
			RequestTimeout: types.StringNull(),
		}, &diags)
		if diags.HasError() {
			t.Fatal(diags)
		}
		want := providerSettings{
			endpoint:       "https://from-config.example.com",
			accessKey:      "pgc_from_env",
			organizationID: "org-from-env",
			maxRetries:     1,
			requestTimeout: 45 * time.Second,
			auth:           "access_key",
		}
		if s != want {
			t.Fatalf("got %+v, want %+v", s, want)
		}
	})

	t.Run("whitespace around the key is not part of it", func(t *testing.T) {
		t.Setenv(envAccessKey, " pgc_from_file\n")
		var diags diag.Diagnostics
		s := resolveSettings(pgcloudProviderModel{Endpoint: types.StringValue("https://pgcloud.example.com")}, &diags)
		if diags.HasError() {
			t.Fatal(diags)
		}
		if s.accessKey != "pgc_from_file" {
			t.Fatalf("access key %q, want it trimmed", s.accessKey)
		}
	})

	t.Run("a line break inside the key is reported on access_key", func(t *testing.T) {
		var diags diag.Diagnostics
		resolveSettings(pgcloudProviderModel{
			Endpoint:  types.StringValue("https://pgcloud.example.com"),
			AccessKey: types.StringValue("pgc_first\npgc_second"),
		}, &diags)
		if len(diags) != 1 {
			t.Fatalf("want 1 diagnostic, got %v", diags)
		}
		d, ok := diags[0].(diag.DiagnosticWithPath)
		if !ok || d.Path().String() != "access_key" || d.Summary() != "Invalid pgcloud access key" {
			t.Fatalf("diagnostic not about access_key: %v", diags[0])
		}
		if strings.Contains(d.Detail(), "pgc_first") {
			t.Fatalf("the diagnostic repeats the key: %q", d.Detail())
		}
	})

	t.Run("missing endpoint and key name the attribute and the variable", func(t *testing.T) {
		var diags diag.Diagnostics
		resolveSettings(pgcloudProviderModel{}, &diags)
		if len(diags) != 2 {
			t.Fatalf("want 2 diagnostics, got %v", diags)
		}
		for i, want := range []struct{ attribute, variable string }{{"endpoint", envEndpoint}, {"access_key", envAccessKey}} {
			d, ok := diags[i].(diag.DiagnosticWithPath)
			if !ok || d.Path().String() != want.attribute {
				t.Errorf("diagnostic %d is not attached to %s: %v", i, want.attribute, diags[i])
			}
			if !strings.Contains(diags[i].Detail(), "Set "+want.attribute+" in the provider block or the "+want.variable+" environment variable") {
				t.Errorf("diagnostic %d does not say how to fix it: %q", i, diags[i].Detail())
			}
		}
	})

	t.Run("bad environment values", func(t *testing.T) {
		t.Setenv(envMaxRetries, "many")
		t.Setenv(envRequestTimeout, "soon")
		var diags diag.Diagnostics
		resolveSettings(pgcloudProviderModel{
			Endpoint:  types.StringValue("https://pgcloud.example.com"),
			AccessKey: types.StringValue("pgc_key"),
		}, &diags)
		text := fmt.Sprint(diags)
		for _, want := range []string{envMaxRetries + ` is "many"`, envRequestTimeout + `: "soon" is not a duration`} {
			if !strings.Contains(text, want) {
				t.Errorf("want %q in %s", want, text)
			}
		}
	})
}

// --- acceptance tests ---

const organizationDataSourceConfig = `data "pgcloud_organization" "this" {}`

func TestAccProvider_missingEndpoint(t *testing.T) {
	accEnv(t)
	t.Setenv(envEndpoint, "")
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      organizationDataSourceConfig,
			ExpectError: errorText("Set endpoint in the provider block or the PGCLOUD_ENDPOINT environment variable"),
		}},
	})
}

func TestAccProvider_missingAccessKey(t *testing.T) {
	accEnv(t)
	t.Setenv(envAccessKey, "")
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      organizationDataSourceConfig,
			ExpectError: errorText("Set access_key in the provider block or the PGCLOUD_ACCESS_KEY environment variable"),
		}},
	})
}

func TestAccProvider_badRequestTimeoutFromEnvironment(t *testing.T) {
	accEnv(t)
	t.Setenv(envRequestTimeout, "soon")
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config:      organizationDataSourceConfig,
			ExpectError: errorText(`PGCLOUD_REQUEST_TIMEOUT: "soon" is not a duration`),
		}},
	})
}

func TestAccProvider_badRequestTimeoutInConfig(t *testing.T) {
	accEnv(t)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: `
provider "pgcloud" {
  request_timeout = "30"
}
` + organizationDataSourceConfig,
			ExpectError: errorText(`"30" is not a duration`),
		}},
	})
}

// The provider block beats the environment: with PGCLOUD_ENDPOINT pointing at
// a closed port, only the configured endpoint can make this work.
func TestAccProvider_configurationWinsOverEnvironment(t *testing.T) {
	env := accEnv(t)
	t.Setenv(envEndpoint, "http://127.0.0.1:1")
	t.Setenv(envMaxRetries, "0")
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
provider "pgcloud" {
  endpoint        = %q
  max_retries     = 2
  request_timeout = "10s"
}
`, env.URL) + organizationDataSourceConfig,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.pgcloud_organization.this", tfjsonpath.New("id"), knownvalue.StringExact(env.OrgID)),
			},
		}},
	})
}

// A key the server does not accept surfaces the server's own words.
// The server's bootstrap-access-key file, like most files holding a key, ends
// in a newline: access_key = file(...) must work as it is.
func TestAccProvider_accessKeyWithTrailingNewline(t *testing.T) {
	env := accEnv(t)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: fmt.Sprintf(`
provider "pgcloud" {
  access_key = "%s\n"
}
`, env.AdminKey) + organizationDataSourceConfig,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.pgcloud_organization.this", tfjsonpath.New("id"), knownvalue.StringExact(env.OrgID)),
			},
		}},
	})
}

// A revoked key fails the plan once, on the provider block, even when
// organization_id spares every resource the lookup of the caller, and even
// with many resources: not once per resource, and not only at apply.
func TestAccProvider_revokedKeyFailsOnceAtPlan(t *testing.T) {
	env := accEnv(t)
	ctx := context.Background()
	key, err := env.Admin.CreateAccessKey(ctx, "admin", 1)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _ := strings.Cut(strings.TrimPrefix(key, "pgc_"), "_")
	me, err := env.Client(env.AdminKey).WhoAmI(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Client(env.AdminKey).DeleteMachineUserAccessKey(ctx, env.OrgID, me.User.ID, id); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf("provider \"pgcloud\" {\n  access_key      = %q\n  organization_id = %q\n}\n", key, env.OrgID)
	for i := range 5 {
		config += fmt.Sprintf("resource \"pgcloud_machine_user\" \"mu%d\" {\n  username = %q\n}\n", i, randomName("never"))
	}
	mark := env.WriteCount()
	acc.Test(t, acc.TestCase{ // not parallel: it counts the server's writes
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: config,
			// One error, on the provider block: the pattern allows no second
			// "Error:" after the first.
			ExpectError: regexp.MustCompile(`(?s)Error: pgcloud access key refused\s+with provider\["registry.terraform.io/hashicorp/pgcloud"\]` +
				`(?:[^E]|E[^r]|Er[^r])*the\s+access\s+key\s+is\s+unknown\s+or\s+was\s+deleted(?:[^E]|E[^r]|Er[^r])*HTTP\s+401\s+UNAUTHENTICATED(?:[^E]|E[^r]|Er[^r])*$`),
		}},
	})
	if writes := env.Writes(mark); len(writes) > 0 {
		t.Errorf("writes with a revoked key: %v", writes)
	}
}

func TestAccProvider_invalidAccessKey(t *testing.T) {
	accEnv(t)
	acc.Test(t, acc.TestCase{
		ProtoV6ProviderFactories: protoV6ProviderFactories,
		Steps: []acc.TestStep{{
			Config: `
provider "pgcloud" {
  access_key = "pgc_notarealkey0_notarealsecretnotarealsecretnotarealsec_000000"
}
` + organizationDataSourceConfig,
			ExpectError: regexp.MustCompile(`UNAUTHENTICATED`),
		}},
	})
}

// A setting that is unknown during plan (computed from a resource not created
// yet) must not fail the plan: the provider defers when Terraform allows it and
// otherwise stays unconfigured.
func TestConfigureWithUnknownValues(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	var s fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &s)
	objectType := s.Schema.Type().TerraformType(ctx).(tftypes.Object)
	values := map[string]tftypes.Value{}
	for name, typ := range objectType.AttributeTypes {
		values[name] = tftypes.NewValue(typ, nil)
	}
	values["endpoint"] = tftypes.NewValue(tftypes.String, tftypes.UnknownValue)
	config := tfsdk.Config{Schema: s.Schema, Raw: tftypes.NewValue(objectType, values)}

	for _, deferralAllowed := range []bool{false, true} {
		var resp fwprovider.ConfigureResponse
		p.Configure(ctx, fwprovider.ConfigureRequest{
			Config:             config,
			ClientCapabilities: fwprovider.ConfigureProviderClientCapabilities{DeferralAllowed: deferralAllowed},
		}, &resp)
		if resp.Diagnostics.HasError() {
			t.Errorf("deferral allowed %v: unexpected error %v", deferralAllowed, resp.Diagnostics)
		}
		if resp.ResourceData != nil || resp.DataSourceData != nil {
			t.Errorf("deferral allowed %v: configured a client from unknown values", deferralAllowed)
		}
		if deferred := resp.Deferred != nil; deferred != deferralAllowed {
			t.Errorf("deferral allowed %v: deferred %v", deferralAllowed, deferred)
		}
	}
}

// Resources and data sources of one run share the caller's organization,
// looked up on first use, from many goroutines at once (run with -race).
func TestAccDefaultOrganizationIsSharedSafely(t *testing.T) {
	env := accEnv(t)
	data := newProviderData(env.Client(env.AdminKey), clientLogger{}, "")
	got := make(chan string, 8)
	for range cap(got) {
		go func() {
			id, err := data.defaultOrganizationID(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- id
		}()
	}
	for range cap(got) {
		if id := <-got; id != env.OrgID {
			t.Errorf("default organization %q, want %q", id, env.OrgID)
		}
	}
}

// Exactly one way of authenticating: the conflicts are named, with the
// variable each came from; none falls back to what GitHub Actions or HCP
// Terraform set.
func TestResolveAuth(t *testing.T) {
	all := []string{envAccessKey, envOIDCToken, envOIDCTokenFile, envOIDCRequestURL, envOIDCRequestToken, envOIDCAudience,
		envActionsRequestURL, envActionsRequestToken, envTFCTokenPath}
	for _, c := range []struct {
		name      string
		env       map[string]string
		config    pgcloudProviderModel
		auth      string
		wantError string
	}{
		{name: "access key", env: map[string]string{envAccessKey: "pgc_x"}, auth: "access_key"},
		{name: "token file", env: map[string]string{envOIDCTokenFile: "/run/token"}, auth: "oidc_token_file"},
		{name: "token in the block", config: pgcloudProviderModel{OIDCToken: types.StringValue("eyJ")}, auth: "oidc_token"},
		{name: "key and token file", env: map[string]string{envAccessKey: "pgc_x"}, config: pgcloudProviderModel{OIDCTokenFile: types.StringValue("/t")},
			wantError: "these are all set: access_key (from PGCLOUD_ACCESS_KEY), oidc_token_file."},
		{name: "request URL without token", env: map[string]string{envOIDCRequestURL: "https://ci.example/token?x=1"},
			wantError: "oidc_request_url is set: set oidc_request_token"},
		{name: "GitHub Actions", env: map[string]string{envActionsRequestURL: "https://ci.example/token?x=1", envActionsRequestToken: "t"},
			auth: "oidc_request_url"},
		{name: "GitHub Actions does not conflict with a key", env: map[string]string{envAccessKey: "pgc_x",
			envActionsRequestURL: "https://ci.example/token?x=1", envActionsRequestToken: "t"}, auth: "access_key"},
		{name: "HCP Terraform", env: map[string]string{envTFCTokenPath: "/tfc/token"}, auth: "oidc_token_file"},
		{name: "nothing", wantError: "Set access_key in the provider block or the PGCLOUD_ACCESS_KEY environment variable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range all {
				t.Setenv(v, c.env[v])
			}
			c.config.Endpoint = types.StringValue("https://pgcloud.example.com/api/v1")
			var diags diag.Diagnostics
			s := resolveSettings(c.config, &diags)
			if c.wantError != "" {
				if !diags.HasError() || !strings.Contains(diags.Errors()[0].Detail(), c.wantError) {
					t.Fatalf("diagnostics %v, want %q", diags, c.wantError)
				}
				return
			}
			if diags.HasError() || s.auth != c.auth {
				t.Fatalf("auth %q (%v), want %q", s.auth, diags, c.auth)
			}
			if s.auth == "oidc_request_url" && s.oidcAudience != "https://pgcloud.example.com" {
				t.Errorf("default audience %q, want the endpoint without its path", s.oidcAudience)
			}
		})
	}
}
