// Command terraform-provider-pgcloud is the Terraform provider of the pgcloud
// platform. Terraform starts it as a plugin; run it with -debug to attach a
// debugger and point Terraform at it through TF_REATTACH_PROVIDERS.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/pluginlogs"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/provider"
)

// version is set at build time (-ldflags "-X main.version=1.2.3"); it reaches
// the API as part of the User-Agent.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()
	if !debug {
		// Run under a debugger, the provider's stderr is the developer's
		// own, whatever Terraform shows.
		pluginlogs.OffUnlessTerraformLogs("PGCLOUD")
	}

	// PGCLOUD_PROVIDER_PROFILE_DIR: write a CPU profile of this process's
	// life and a heap profile at its end there, for make bench's questions
	// (where do the time and memory go under a plan of 1000 resources).
	// Terraform starts the provider several times per command; each process
	// writes its own pair, named by its pid.
	stop := func() {}
	if dir := os.Getenv("PGCLOUD_PROVIDER_PROFILE_DIR"); dir != "" {
		var err error
		if stop, err = startProfiles(dir); err != nil {
			log.Fatal(err)
		}
	}
	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/pgcloud/pgcloud",
		Debug:   debug,
	})
	stop()
	if err != nil {
		log.Fatal(err)
	}
}

// startProfiles starts the CPU profile; stop ends it and writes the heap
// profile. Terraform ends a provider by asking it to stop (Serve then
// returns), so both are complete.
func startProfiles(dir string) (stop func(), err error) {
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", os.Getpid())))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = cpu.Close()
		if heap, err := os.Create(filepath.Join(dir, fmt.Sprintf("heap-%d.pprof", os.Getpid()))); err == nil {
			_ = pprof.WriteHeapProfile(heap)
			_ = heap.Close()
		}
	}, nil
}
