package provider

import (
	"regexp"

	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// What the tests of the list resources share.

// rfc3339Pattern matches the *_at attributes (RFC 3339, UTC).
var rfc3339Pattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

// identityOf is the identity of a listed object, from pairs of attribute
// names and values.
func identityOf(pairs ...string) map[string]knownvalue.Check {
	identity := map[string]knownvalue.Check{}
	for i := 0; i+1 < len(pairs); i += 2 {
		identity[pairs[i]] = knownvalue.StringExact(pairs[i+1])
	}
	return identity
}

// expectFound checks that the list block at address found the object of
// identity, under displayName.
func expectFound(address string, identity map[string]knownvalue.Check, displayName string) []querycheck.QueryResultCheck {
	return []querycheck.QueryResultCheck{
		querycheck.ExpectIdentity(address, identity),
		querycheck.ExpectResourceDisplayName(address, queryfilter.ByResourceIdentity(identity), knownvalue.StringExact(displayName)),
	}
}

// expectState checks attributes of the state that the list block at
// address (with include_resource) found for the object of identity, by
// attribute name.
func expectState(address string, identity map[string]knownvalue.Check, attributes map[string]knownvalue.Check) querycheck.QueryResultCheck {
	var checks []querycheck.KnownValueCheck
	for name, check := range attributes {
		checks = append(checks, querycheck.KnownValueCheck{Path: tfjsonpath.New(name), KnownValue: check})
	}
	return querycheck.ExpectResourceKnownValues(address, queryfilter.ByResourceIdentity(identity), checks)
}
