package provider

import "regexp"

// The platform's rules for the names of database users and group roles that
// a configuration alone can break, checked at plan time so nothing is
// written when one is broken.
var (
	// Names PostgreSQL or the platform keep for themselves (the platform's
	// marker roles among them).
	reservedClusterUsernames = []string{"postgres", "admin", "standby", "pgcloud_managed", "pgcloud_group", "pgcloud_alternate"}
	// PostgreSQL keeps every role name starting with pg_ (in any case). The
	// empty name matches: LengthAtLeast reports it, and alone.
	clusterUsernameNotPgPrefixed = regexp.MustCompile(`(?is)^(?:$|[^p]|p$|p[^g]|pg$|pg[^_])`)
	// A quoted identifier can hold anything but NUL.
	noNUL = regexp.MustCompile(`^[^\x00]*$`)
)
