package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
)

// maxBodyBytes bounds every request body: 1 MiB is far more than any object
// of this API needs, and bounds the memory a request can take.
const maxBodyBytes = 1 << 20

func errTooLarge() *apiError {
	return newError(http.StatusRequestEntityTooLarge, codePayloadTooLarge,
		"the request body is larger than %d bytes (1 MiB); send a smaller body", maxBodyBytes)
}

// readBody reads the whole (size-limited) body. The Content-Type is not
// checked: the body is parsed as JSON whatever it claims, and a body that is
// not JSON is a 400 that says so, which helps more than a 415 would (curl -d
// sends a form type by default).
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge()
		}
		return nil, errBadRequest("the request body could not be read: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errBadRequest("the request body is empty; send a JSON object")
	}
	return body, nil
}

// readInput reads the request's body and decodes it with parse (one of the
// parse functions, built on decodeInput). It returns the body too: its
// fingerprint goes with an Idempotency-Key.
func readInput[T any](r *http.Request, parse func(body []byte) (T, error)) (T, []byte, error) {
	var in T
	body, err := readBody(r)
	if err != nil {
		return in, nil, err
	}
	in, err = parse(body)
	return in, body, err
}

// readNoInput reads the body of an operation that takes no input: none at
// all, or an empty JSON object (what a client that always sends a JSON body
// sends). Members are refused, each by name, rather than ignored: a caller
// that sends one expects it to mean something. It returns the body, for the
// fingerprint of an Idempotency-Key.
func readNoInput(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errTooLarge()
		}
		return nil, errBadRequest("the request body could not be read: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	var v platform.Violations
	for _, name := range slices.Sorted(maps.Keys(o.raw)) {
		v.Add(name, "unknown field: this operation takes no input; send no body, or {}")
	}
	return body, v.Err()
}

// decodeInput decodes body, a JSON object, into an input of the platform:
// read takes its members (a member of the wrong JSON type is a 400); then
// the members not in known, and the input's own field rules, are the
// violations of one 422 that lists them all. read gets the violations too,
// for the unknown members of nested objects. special: see rejectOthers.
func decodeInput[T interface{ Check(v *platform.Violations) }](body []byte, known []string, special map[string]string,
	read func(o *jsonObject, v *platform.Violations) T) (T, error) {
	var in T
	o, err := decodeObject(body)
	if err != nil {
		return in, err
	}
	var v platform.Violations
	o.rejectOthers(&v, "", known, special)
	in = read(o, &v)
	if err := o.typeErr(); err != nil {
		return in, err
	}
	in.Check(&v)
	return in, v.Err()
}

// jsonObject is a decoded request body: its members, still raw, so that each
// field can be checked for presence and type, and unknown members reported
// by name. The platform's input structs then take the values (a pointer for
// a member that may be left out) and their Check adds the field rules.
type jsonObject struct {
	raw      map[string]json.RawMessage
	badTypes []fieldMessage
}

// decodeObject parses body as one JSON object. Anything else is a 400.
func decodeObject(body []byte) (*jsonObject, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errBadRequest("the request body is not valid JSON (at byte %d: %v); send a JSON object", se.Offset, se)
		}
		return nil, errBadRequest("the request body must be a JSON object")
	}
	if raw == nil {
		return nil, errBadRequest("the request body must be a JSON object, not null")
	}
	return &jsonObject{raw: raw}, nil
}

// str returns the string member name, nil when it is absent. A present
// member that is not a string (null included) is recorded as a type error.
func (o *jsonObject) str(name string) *string {
	var s string
	if !o.member(name, &s, "must be a JSON string") {
		return nil
	}
	return &s
}

// strOrEmpty is str for a member whose absence means "".
func (o *jsonObject) strOrEmpty(name string) string {
	if s := o.str(name); s != nil {
		return *s
	}
	return ""
}

// number returns the numeric member name, nil when it is absent. A present
// member that is not a JSON number (null included) is recorded as a type
// error; whether the number is whole and in range is a field rule of the
// platform.
func (o *jsonObject) number(name string) *float64 {
	var f float64
	if !o.member(name, &f, "must be a JSON number") {
		return nil
	}
	return &f
}

// boolean returns the boolean member name, nil when it is absent. A
// present member that is not true or false (null included) is recorded as
// a type error.
func (o *jsonObject) boolean(name string) *bool {
	var b bool
	if !o.member(name, &b, "must be true or false") {
		return nil
	}
	return &b
}

// strList returns the member name, an array of strings, nil when it is
// absent. Anything else (null included) is a type error.
func (o *jsonObject) strList(name string) *[]string {
	var l []string
	if !o.member(name, &l, "must be a JSON array of strings") {
		return nil
	}
	if l == nil {
		l = []string{}
	}
	return &l
}

// nullableStr returns the member name, a string or null, nil when it is
// absent.
func (o *jsonObject) nullableStr(name string) *platform.Nullable {
	raw, ok := o.raw[name]
	if !ok {
		return nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return &platform.Nullable{}
	}
	if s := o.str(name); s != nil {
		return &platform.Nullable{Value: s}
	}
	o.badTypes[len(o.badTypes)-1].Message = "must be a JSON string or null"
	return nil
}

// object returns the member name as an object, nil when it is absent. A
// present member that is not a JSON object (null included) is recorded as a
// type error.
func (o *jsonObject) object(name string) *jsonObject {
	var members map[string]json.RawMessage
	if !o.member(name, &members, "must be a JSON object") {
		return nil
	}
	return &jsonObject{raw: members}
}

// member decodes the member name into dst and reports whether it was present
// and of dst's type; null is of no type. A wrong type is recorded with
// message.
func (o *jsonObject) member(name string, dst any, message string) bool {
	raw, ok := o.raw[name]
	if !ok {
		return false
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, dst) != nil {
		o.badTypes = append(o.badTypes, fieldMessage{ErrorCode: codeInvalidArgument, Field: name, Message: message})
		return false
	}
	return true
}

// adopt moves the type errors of a nested object into o, naming its fields
// as prefix.field.
func (o *jsonObject) adopt(nested *jsonObject, prefix string) {
	for _, m := range nested.badTypes {
		m.Field = prefix + "." + m.Field
		o.badTypes = append(o.badTypes, m)
	}
	nested.badTypes = nil
}

// typeErr is the 400 for members of the wrong JSON type, if any.
func (o *jsonObject) typeErr() error {
	if len(o.badTypes) == 0 {
		return nil
	}
	parts := make([]string, len(o.badTypes))
	for i, m := range o.badTypes {
		parts[i] = m.Field + " " + m.Message
	}
	return &apiError{HTTPStatus: http.StatusBadRequest, Code: codeInvalidArgument,
		Message: "wrong JSON types: " + strings.Join(parts, "; "), Messages: o.badTypes}
}

// rejectOthers adds a violation for every member not in known, in name
// order so that answers are stable; prefix is the name of the member o is
// in ("" for the body itself). special gives a custom message for members
// that are known to the API but may not be sent here.
func (o *jsonObject) rejectOthers(v *platform.Violations, prefix string, known []string, special map[string]string) {
	for _, name := range slices.Sorted(maps.Keys(o.raw)) {
		if slices.Contains(known, name) {
			continue
		}
		if msg, ok := special[name]; ok {
			v.Add(prefix+name, "%s", msg)
			continue
		}
		v.Add(prefix+name, "unknown field; allowed fields are %s", strings.Join(known, ", "))
	}
}
