package provider

import "fmt"

// countOf is n with the noun it counts, in the singular or the plural form
// ("1 session token", "3 session tokens"), for the messages that report
// what an operation did.
func countOf(n int, singular, plural string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, singular)
	}
	return fmt.Sprintf("%d %s", n, plural)
}
