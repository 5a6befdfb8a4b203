package platform

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Code says which rule refused an operation. The API answers with it as the
// error JSON's "code" (and derives the HTTP status from it); the admin
// commands print the Error's text.
//
// A Code is also an error, so that errors.Is(err, platform.QuotaExceeded)
// asks whether err is an Error with that code.
type Code string

func (c Code) Error() string { return string(c) }

const (
	// InvalidArgument: an input field breaks a rule (API: 422).
	InvalidArgument Code = "INVALID_ARGUMENT"
	// NotFound: the object does not exist, or not where it was looked for.
	NotFound Code = "NOT_FOUND"
	// AlreadyExists: the name or id is taken, or the binding exists.
	AlreadyExists Code = "ALREADY_EXISTS"
	// QuotaExceeded: one more would pass a quota. Never retried: the caller
	// must delete something or have the quota raised.
	QuotaExceeded Code = "QUOTA_EXCEEDED"
	// LastOwner: the change would leave an organization or project without
	// an owner.
	LastOwner Code = "LAST_OWNER"
	// SystemUserImmutable: a cluster role the platform did not create.
	SystemUserImmutable Code = "SYSTEM_USER_IMMUTABLE"
	// FailedPrecondition: the world is not in a state that allows the
	// operation (a role still owns objects, the platform lacks a privilege).
	FailedPrecondition Code = "FAILED_PRECONDITION"
	// Unavailable: a cluster could not be reached; retrying later may work.
	Unavailable Code = "UNAVAILABLE"
)

// Error is the refusal of an operation by a rule of the platform. Any other
// error a method returns is a failure of the machinery (the store, a
// network), not a refusal.
type Error struct {
	Code Code
	// Field names the input field the error is about ("username",
	// "accessKey.name"), or is "" when it is about no single field.
	Field string
	// Message says what is wrong and what to do about it, without the
	// field's name.
	Message string
	// Violations, for InvalidArgument only, lists every field rule the input
	// broke, so that a caller learns about all of them at once; Field and
	// Message are then "".
	Violations []Violation
}

// Violation is one broken field rule.
type Violation struct {
	Field   string
	Message string
}

// Error is a sentence a person can act on: the message, after the field
// when there is one.
func (e *Error) Error() string {
	switch {
	case len(e.Violations) > 0:
		parts := make([]string, len(e.Violations))
		for i, v := range e.Violations {
			parts[i] = v.Field + ": " + v.Message
		}
		return "the request is invalid: " + strings.Join(parts, "; ")
	case e.Field != "":
		return e.Field + ": " + e.Message
	default:
		return e.Message
	}
}

// Is reports whether target is this error's Code.
func (e *Error) Is(target error) bool {
	c, ok := target.(Code)
	return ok && c == e.Code
}

// Errorf is an Error about no single field.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf is an Error about one field.
func FieldErrorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Violations collects the field rules an input breaks.
type Violations []Violation

// Add records that field breaks a rule.
func (v *Violations) Add(field, format string, args ...any) {
	*v = append(*v, Violation{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err is nil when nothing was added, else an InvalidArgument Error listing
// every violation.
func (v Violations) Err() error {
	if len(v) == 0 {
		return nil
	}
	return &Error{Code: InvalidArgument, Violations: v}
}

// checker is an input with field rules.
type checker interface{ Check(v *Violations) }

// check is nil when in obeys its field rules, else one InvalidArgument Error
// listing every rule it breaks.
func check(in checker) error {
	var v Violations
	in.Check(&v)
	return v.Err()
}

// Find returns the object get finds when it is where it was looked for
// (in). A missing object and one that is elsewhere get the same answer,
// notFound, so that nothing reveals what exists in another organization.
// what names the lookup in the error of a failing store.
func Find[T any](get func() (T, error), in func(T) bool, notFound error, what string) (T, error) {
	var none T
	obj, err := get()
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && !in(obj)):
		return none, notFound
	case err != nil:
		return none, fmt.Errorf("%s: %w", what, err)
	}
	return obj, nil
}
