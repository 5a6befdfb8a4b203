package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// defaultOperationTimeout bounds each create, read, update and delete unless
// the configuration's timeouts say otherwise. The API answers within seconds;
// the rest is room for the client's retries.
const defaultOperationTimeout = 5 * time.Minute

// timeoutsAttribute is the timeouts block of a resource, with the operations
// opts names.
func timeoutsAttribute(ctx context.Context, opts timeouts.Opts) schema.Attribute {
	a := timeouts.Attributes(ctx, opts).(schema.SingleNestedAttribute)
	a.MarkdownDescription = fmt.Sprintf("How long each operation may take, as durations such as `30s` or `10m`. "+
		"Each defaults to `%dm`.", int(defaultOperationTimeout.Minutes()))
	return a
}

// operationTimeout is the method of timeouts.Value for one operation:
// Create, Read, Update or Delete.
type operationTimeout func(ctx context.Context, defaultTimeout time.Duration) (time.Duration, diag.Diagnostics)

// withTimeout bounds ctx by the operation's timeout. An invalid timeouts
// block is reported in diags (the caller checks them) and the default
// applies meanwhile; so does the zero timeouts.Value that a failed Get
// leaves, so callers may check diags once, after both.
func withTimeout(ctx context.Context, timeout operationTimeout, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, ds := timeout(ctx, defaultOperationTimeout)
	diags.Append(ds...)
	return context.WithTimeout(ctx, d)
}
