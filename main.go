// Command terraform-provider-pgcloud is the Terraform provider of the pgcloud
// platform. Terraform starts it as a plugin; run it with -debug to attach a
// debugger and point Terraform at it through TF_REATTACH_PROVIDERS.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/provider"
)

// version is set at build time (-ldflags "-X main.version=1.2.3"); it reaches
// the API as part of the User-Agent.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/pgcloud/pgcloud",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
