package platform

import (
	"errors"
	"fmt"
	"testing"
)

// The text of an Error is what the API shows as "message" and what the
// admin commands print, so its three forms are fixed here.
func TestErrorText(t *testing.T) {
	var v Violations
	if v.Err() != nil {
		t.Fatal("no violations must be no error")
	}
	v.Add("name", "must not be empty")
	v.Add("email", "must be valid")
	for _, c := range []struct {
		err  error
		want string
	}{
		{v.Err(), "the request is invalid: name: must not be empty; email: must be valid"},
		{FieldErrorf(AlreadyExists, "username", "%q is taken", "bot"), `username: "bot" is taken`},
		{Errorf(QuotaExceeded, "%d is the most", 2), "2 is the most"},
	} {
		if c.err.Error() != c.want {
			t.Errorf("%q, want %q", c.err.Error(), c.want)
		}
	}
	// errors.Is asks the code, also through wrapping; other codes and plain
	// errors do not match.
	wrapped := fmt.Errorf("context: %w", Errorf(LastOwner, "x"))
	if !errors.Is(wrapped, LastOwner) || errors.Is(wrapped, NotFound) || errors.Is(errors.New("x"), LastOwner) {
		t.Error("errors.Is does not ask the code")
	}
}
