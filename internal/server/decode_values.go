package server

import (
	"bytes"
	"encoding/json"
	"math"
)

// More member types of a request body (see decode.go).

// number returns the numeric member name, and whether it was present. A
// present member that is not a JSON number (null included) is recorded as a
// type error; whether the number is whole and in range is a field rule
// (422) the caller checks, e.g. with wholeIn.
func (o *jsonObject) number(name string) (float64, bool) {
	raw, ok := o.raw[name]
	if !ok {
		return 0, false
	}
	var f float64
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) || json.Unmarshal(raw, &f) != nil {
		o.badTypes = append(o.badTypes, fieldMessage{ErrorCode: codeInvalidArgument, Field: name,
			Message: "must be a JSON number"})
		return 0, false
	}
	return f, true
}

// object returns the member name as an object, and whether it was present.
// A present member that is not a JSON object (null included) is recorded as
// a type error.
func (o *jsonObject) object(name string) (*jsonObject, bool) {
	raw, ok := o.raw[name]
	if !ok {
		return nil, false
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(raw, &members) != nil || members == nil {
		o.badTypes = append(o.badTypes, fieldMessage{ErrorCode: codeInvalidArgument, Field: name,
			Message: "must be a JSON object"})
		return nil, false
	}
	return &jsonObject{raw: members}, true
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

// wholeIn reports whether f is a whole number from lo to hi.
func wholeIn(f float64, lo, hi int) bool {
	return f == math.Trunc(f) && f >= float64(lo) && f <= float64(hi)
}
