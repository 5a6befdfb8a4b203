package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// envelope is the wire form of every object; the client reads only the
// fields its models carry.
type envelope[P any] struct {
	ID         string       `json:"id"`
	Metadata   wireMetadata `json:"metadata"`
	Properties P            `json:"properties"`
}

// decodeEnvelope decodes b, the envelope of one what ("organization", …),
// into *dst with model; unknown fields are ignored.
func decodeEnvelope[P, M any](b []byte, what string, dst *M, model func(envelope[P]) M) error {
	var e envelope[P]
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	*dst = model(e)
	return nil
}

// Metadata is the envelope's "metadata".
type Metadata struct {
	CreatedDate      time.Time
	LastModifiedDate time.Time
	CreatedBy        string
	LastModifiedBy   string
	ResourceOwner    string
	Sequence         int64
}

type wireMetadata struct {
	CreatedDate      wireTime `json:"createdDate"`
	CreatedBy        string   `json:"createdBy"`
	LastModifiedDate wireTime `json:"lastModifiedDate"`
	LastModifiedBy   string   `json:"lastModifiedBy"`
	ResourceOwner    string   `json:"resourceOwner"`
	Sequence         int64    `json:"sequence"`
}

func (m wireMetadata) model() Metadata {
	return Metadata{
		CreatedDate:      time.Time(m.CreatedDate),
		LastModifiedDate: time.Time(m.LastModifiedDate),
		CreatedBy:        m.CreatedBy,
		LastModifiedBy:   m.LastModifiedBy,
		ResourceOwner:    m.ResourceOwner,
		Sequence:         m.Sequence,
	}
}

// wireTime decodes RFC3339(Nano) timestamps leniently: null and "" are zero.
type wireTime time.Time

func (t *wireTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = wireTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if s == "" {
		*t = wireTime{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*t = wireTime(v.UTC())
	return nil
}
