// Package pluginlogs turns a provider's logs off when Terraform would drop
// them, for the provider binaries of this module (pgcloud's and make
// bench's framework floor alike).
//
// terraform-plugin-go reads each logger's level from the environment
// (TF_LOG_SDK, TF_LOG_SDK_PROTO, TF_LOG_SDK_FRAMEWORK, TF_LOG_PROVIDER_<NAME>)
// and, where none is set, logs at TRACE: every line of the framework is
// encoded as JSON, written to the plugin's stderr, read and decoded by
// Terraform, and dropped there, since without TF_LOG or TF_LOG_PROVIDER
// Terraform shows no provider log. Under a plan of 1000 machine users that
// was a fifth of the provider's CPU, and Terraform paid again to decode it.
package pluginlogs

import "os"

// OffUnlessTerraformLogs sets the levels of the provider's loggers to off
// when Terraform shows none of its logs: neither TF_LOG nor
// TF_LOG_PROVIDER is set (Terraform passes its environment to the
// provider). A level set explicitly is kept. providerName is the provider's
// type in upper case, as in TF_LOG_PROVIDER_<NAME>.
func OffUnlessTerraformLogs(providerName string) {
	if os.Getenv("TF_LOG") != "" || os.Getenv("TF_LOG_PROVIDER") != "" {
		return
	}
	// The SDK's subsystems (proto, framework) take the SDK root logger's
	// level unless their own variable is set.
	for _, name := range []string{"TF_LOG_SDK", "TF_LOG_PROVIDER_" + providerName} {
		if os.Getenv(name) == "" {
			_ = os.Setenv(name, "off") // fails only on a malformed name
		}
	}
}
