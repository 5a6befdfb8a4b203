package pluginlogs

import (
	"os"
	"testing"
)

func TestOffUnlessTerraformLogs(t *testing.T) {
	for _, tc := range []struct {
		name          string
		env           map[string]string
		sdk, provider string
	}{
		{"terraform shows no provider log", nil, "off", "off"},
		{"TF_LOG", map[string]string{"TF_LOG": "DEBUG"}, "", ""},
		{"TF_LOG_PROVIDER", map[string]string{"TF_LOG_PROVIDER": "TRACE"}, "", ""},
		{"a level set explicitly is kept", map[string]string{"TF_LOG_SDK": "trace"}, "trace", "off"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, name := range []string{"TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_SDK", "TF_LOG_PROVIDER_TEST"} {
				t.Setenv(name, tc.env[name]) // restored after the test
				if tc.env[name] == "" {
					_ = os.Unsetenv(name)
				}
			}
			OffUnlessTerraformLogs("TEST")
			if got := os.Getenv("TF_LOG_SDK"); got != tc.sdk {
				t.Errorf("TF_LOG_SDK = %q, want %q", got, tc.sdk)
			}
			if got := os.Getenv("TF_LOG_PROVIDER_TEST"); got != tc.provider {
				t.Errorf("TF_LOG_PROVIDER_TEST = %q, want %q", got, tc.provider)
			}
		})
	}
}
