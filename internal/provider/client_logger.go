package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/client"
)

// clientLogSubsystem names the log lines of the API client (requests,
// retries). TF_LOG_PROVIDER_PGCLOUD_CLIENT sets their level apart from the
// provider's own.
const clientLogSubsystem = "pgcloud_client"

// clientLogger writes the API client's log lines to Terraform's provider log.
type clientLogger struct {
	// accessKey is masked wherever it could appear. The client promises never
	// to log it; masking makes a slip harmless.
	accessKey string
}

var _ client.Logger = clientLogger{}

func newClientLogger(accessKey string) clientLogger {
	return clientLogger{accessKey: accessKey}
}

// clientLogsPrepared marks a context that prepare has set up.
type clientLogsPrepared struct{}

// prepare sets up the client's log subsystem and its masks in ctx. The client
// logs with the context of the operation that called it (a resource's
// Create, a data source's Read), which the framework sets up per RPC, so this
// cannot happen once in Configure; operations call it once as they begin
// (configured.begin), since setting up a subsystem costs more than writing
// the line (about 40 allocations).
func (l clientLogger) prepare(ctx context.Context) context.Context {
	return context.WithValue(l.subsystem(ctx), clientLogsPrepared{}, true)
}

// subsystem returns ctx with the client's log subsystem: as it is when
// prepare set it up, else set up for this line alone.
func (l clientLogger) subsystem(ctx context.Context) context.Context {
	if ctx.Value(clientLogsPrepared{}) != nil {
		return ctx
	}
	// The location offset makes @caller the client code that logged, not
	// this adapter.
	ctx = tflog.NewSubsystem(ctx, clientLogSubsystem,
		tflog.WithLevelFromEnv("TF_LOG_PROVIDER_PGCLOUD", "CLIENT"),
		tflog.WithAdditionalLocationOffset(1))
	ctx = tflog.SubsystemMaskFieldValuesWithFieldKeys(ctx, clientLogSubsystem, "access_key", "authorization", "x-access-key")
	if l.accessKey != "" { // masking "" would mask between every character
		ctx = tflog.SubsystemMaskMessageStrings(ctx, clientLogSubsystem, l.accessKey)
		ctx = tflog.SubsystemMaskAllFieldValuesStrings(ctx, clientLogSubsystem, l.accessKey)
	}
	return ctx
}

func (l clientLogger) Debug(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemDebug(l.subsystem(ctx), clientLogSubsystem, msg, fields)
}

func (l clientLogger) Info(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemInfo(l.subsystem(ctx), clientLogSubsystem, msg, fields)
}

func (l clientLogger) Warn(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemWarn(l.subsystem(ctx), clientLogSubsystem, msg, fields)
}

func (l clientLogger) Error(ctx context.Context, msg string, fields map[string]any) {
	tflog.SubsystemError(l.subsystem(ctx), clientLogSubsystem, msg, fields)
}
