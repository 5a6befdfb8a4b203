package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
)

// lookup is a data source's search for one object by something other than
// its id (a name, a username, an email). Every data source applies the same
// rule to what it finds: one match is the answer; none is an error that says
// what was searched; several are an error that lists every candidate and
// names the argument that narrows the search. A data source never picks one
// of several on its own, since a plan that silently reads another object
// than the one meant is worse than one that fails.
type lookup struct {
	kind     string    // "project", "cluster", ... as the errors name it
	attr     path.Path // the argument that was searched by
	query    string    // what was searched, e.g. `name "db" in organization o1`
	notFound string    // the error's detail when nothing matches
	narrow   string    // how to narrow the search when several match
}

// only returns the one object of matches, or nil after adding the error.
// describe names a candidate in the error, with what tells it apart.
func only[T any](l lookup, matches []T, describe func(T) string, diags *diag.Diagnostics) *T {
	switch len(matches) {
	case 1:
		return &matches[0]
	case 0:
		diags.AddAttributeError(l.attr, capitalize(l.kind)+" not found", l.notFound)
		return nil
	}
	candidates := make([]string, len(matches))
	for i, m := range matches {
		candidates[i] = describe(m)
	}
	diags.AddAttributeError(l.attr, "More than one "+l.kind+" matches",
		fmt.Sprintf("%d %ss match %s: %s. %s", len(matches), l.kind, l.query, strings.Join(candidates, ", "), l.narrow))
	return nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
