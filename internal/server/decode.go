package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
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
func readBody(r *http.Request) ([]byte, *apiError) {
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

// jsonObject is a decoded request body: its members, still raw, so that each
// field can be checked for presence, type and rules separately, and unknown
// members reported by name.
type jsonObject struct {
	raw      map[string]json.RawMessage
	badTypes []fieldMessage
}

// decodeObject parses body as one JSON object. Anything else is a 400.
func decodeObject(body []byte) (*jsonObject, *apiError) {
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

// str returns the string member name, and whether it was present. A present
// member that is not a string (null included) is recorded as a type error.
func (o *jsonObject) str(name string) (string, bool) {
	raw, ok := o.raw[name]
	if !ok {
		return "", false
	}
	var s string
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &s) != nil {
		o.badTypes = append(o.badTypes, fieldMessage{ErrorCode: codeInvalidArgument, Field: name,
			Message: "must be a JSON string"})
		return "", false
	}
	return s, true
}

// typeErr is the 400 for members of the wrong JSON type, if any.
func (o *jsonObject) typeErr() *apiError {
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

// rejectOthers adds a 422 message for every member not in known, in name
// order so that answers are stable. special gives a custom message for
// members that are known to the API but may not be sent here.
func (o *jsonObject) rejectOthers(v *validationErrors, known []string, special map[string]string) {
	var names []string
	for name := range o.raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if contains(known, name) {
			continue
		}
		if msg, ok := special[name]; ok {
			v.add(name, "%s", msg)
			continue
		}
		v.add(name, "unknown field; allowed fields are %s", strings.Join(known, ", "))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
