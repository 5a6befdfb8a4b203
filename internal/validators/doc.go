// Package validators holds the attribute validators of the pgcloud provider that
// terraform-plugin-framework-validators does not provide. Each checks at plan
// time a rule the API would otherwise reject at apply time, and says in its
// error how to fix the value.
package validators
