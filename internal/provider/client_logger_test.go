package provider

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

const testAccessKey = "pgc_abcdefghijkl_s3cr3tS3CR3Ts3cr3tS3CR3T_check"

// Whether an operation prepared its context or not, the client's lines reach
// the provider's log in the client's subsystem, with the access key masked
// in the message and in every field.
func TestClientLoggerMasksTheAccessKey(t *testing.T) {
	l := newClientLogger(testAccessKey)
	for name, prepare := range map[string]func(context.Context) context.Context{
		"per line": func(ctx context.Context) context.Context { return ctx },
		"prepared": l.prepare,
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			ctx := prepare(tflogtest.RootLogger(context.Background(), &out))
			l.Warn(ctx, "retrying with "+testAccessKey, map[string]any{"authorization": "Bearer " + testAccessKey, "note": testAccessKey})
			lines, err := tflogtest.MultilineJSONDecode(&out)
			if err != nil {
				t.Fatal(err)
			}
			if len(lines) != 1 {
				t.Fatalf("want 1 log line, got %d: %s", len(lines), out.String())
			}
			if got := lines[0]["@module"]; got != "provider."+clientLogSubsystem {
				t.Errorf("@module = %v, want provider.%s", got, clientLogSubsystem)
			}
			if got := lines[0]["@message"]; got != "retrying with ***" {
				t.Errorf("@message = %q", got)
			}
			for k, v := range lines[0] {
				if s, ok := v.(string); ok && strings.Contains(s, "s3cr3t") {
					t.Errorf("%s holds the access key: %q", k, s)
				}
			}
		})
	}
}

// What setting the subsystem up once per operation saves per log line.
func BenchmarkClientLogLine(b *testing.B) {
	l := newClientLogger(testAccessKey)
	root := tflogtest.RootLogger(context.Background(), io.Discard)
	fields := map[string]any{"method": "GET", "url": "http://127.0.0.1:1/api/v1/whoami", "status": 200}
	for name, ctx := range map[string]context.Context{"per-line": root, "prepared": l.prepare(root)} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l.Debug(ctx, "pgcloud API request", fields)
			}
		})
	}
}
