package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const apiPrefix = "/api/v1"

// Pagination bounds of every list.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// metadataJSON is the envelope's metadata.
type metadataJSON struct {
	CreatedDate      string `json:"createdDate"`
	CreatedBy        string `json:"createdBy"`
	LastModifiedDate string `json:"lastModifiedDate"`
	LastModifiedBy   string `json:"lastModifiedBy"`
	ResourceOwner    string `json:"resourceOwner"`
	Sequence         int64  `json:"sequence"`
}

// envelope wraps every object. Metadata is nil only for the built-in roles,
// which nobody created.
type envelope struct {
	Type       string        `json:"type"`
	ID         string        `json:"id"`
	Href       string        `json:"href"`
	Metadata   *metadataJSON `json:"metadata,omitempty"`
	Properties any           `json:"properties"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func metadata(m store.Meta, owner string) *metadataJSON {
	return &metadataJSON{
		CreatedDate:      timestamp(m.CreatedAt),
		CreatedBy:        m.CreatedBy,
		LastModifiedDate: timestamp(m.UpdatedAt),
		LastModifiedBy:   m.UpdatedBy,
		ResourceOwner:    owner,
		Sequence:         m.Sequence,
	}
}

type links struct {
	Prev string `json:"prev,omitempty"`
	Self string `json:"self"`
	Next string `json:"next,omitempty"`
}

type collection struct {
	Type   string `json:"type"`
	Href   string `json:"href"`
	Offset int    `json:"offset"`
	Limit  int    `json:"limit"`
	Total  int    `json:"total"`
	Links  links  `json:"_links"`
	Items  any    `json:"items"`
}

// newCollection builds a page of a list. filters are the list's query
// parameters other than limit and offset; they are kept in every link so that
// following next walks the same list.
func newCollection(path string, filters url.Values, p store.Page, total int, items []envelope) collection {
	href := func(offset int) string {
		q := ""
		if len(filters) > 0 {
			q = filters.Encode() + "&"
		}
		return path + "?" + q + "limit=" + strconv.Itoa(p.Limit) + "&offset=" + strconv.Itoa(offset)
	}
	c := collection{Type: "collection", Href: href(p.Offset), Offset: p.Offset, Limit: p.Limit, Total: total, Items: items}
	c.Links.Self = c.Href
	if p.Offset > 0 {
		c.Links.Prev = href(max(0, p.Offset-p.Limit))
	}
	if p.Offset+p.Limit < total {
		c.Links.Next = href(p.Offset + p.Limit)
	}
	return c
}

// parsePage reads limit and offset; absent means the defaults, anything else
// that is not an integer in range is a 422 naming the parameter.
func parsePage(r *http.Request) (store.Page, error) {
	p := store.Page{Limit: defaultLimit}
	var v platform.Violations
	q := r.URL.Query()
	if vals, ok := q["limit"]; ok {
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < 1 || n > maxLimit || len(vals) > 1 {
			v.Add("limit", "must be one integer from 1 to %d, got %q", maxLimit, vals[0])
		}
		p.Limit = n
	}
	if vals, ok := q["offset"]; ok {
		n, err := strconv.Atoi(vals[0])
		if err != nil || n < 0 || len(vals) > 1 {
			v.Add("offset", "must be one integer of 0 or more, got %q", vals[0])
		}
		p.Offset = n
	}
	if err := v.Err(); err != nil {
		return store.Page{}, err
	}
	return p, nil
}

// writeList answers one page of a list. It reads limit and offset, then
// calls fetch with the page and the list's other query parameters (empty):
// fetch checks and adds those it uses, so that following the links walks the
// same list, and returns the page's items and the total. Each item is shown
// in its envelope.
func writeList[T any](w http.ResponseWriter, r *http.Request, path string, envelopeOf func(T) envelope,
	fetch func(p store.Page, filters url.Values) ([]T, int, error)) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	filters := url.Values{}
	items, total, err := fetch(p, filters)
	if err != nil {
		return err
	}
	out := make([]envelope, len(items))
	for i, item := range items {
		out[i] = envelopeOf(item)
	}
	writeJSON(w, http.StatusOK, newCollection(path, filters, p, total, out))
	return nil
}

// writeFound answers 200 with obj in its envelope, or returns err, the
// error of looking obj up.
func writeFound[T any](w http.ResponseWriter, envelopeOf func(T) envelope, obj T, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, envelopeOf(obj))
	return nil
}

// writeDeleted answers 204 No Content, or returns err, the error of the
// delete.
func writeDeleted(w http.ResponseWriter, err error) error {
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// filterParam adds the query parameter name to filters when it is set, and
// returns it ("" when absent).
func filterParam(r *http.Request, filters url.Values, name string) string {
	value := r.URL.Query().Get(name)
	if value != "" {
		filters.Set(name, value)
	}
	return value
}

// marshalJSON renders a response body: compact, newline-terminated, and
// without HTML escaping, so hrefs keep a readable "&".
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeJSON writes v as the response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshalJSON(v)
	if err != nil {
		// Only our own types are marshalled; failing here is a bug.
		panic(err)
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError renders e with the request id of r.
func writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	out := *e
	out.RequestID = requestID(r.Context())
	if out.Messages == nil {
		out.Messages = []fieldMessage{}
	}
	for k, vs := range e.header {
		w.Header()[k] = vs
	}
	if info := reqInfoFrom(r.Context()); info != nil {
		info.errCode = e.Code
	}
	writeJSON(w, e.HTTPStatus, out)
}

// pathID escapes an id for use in an href.
func pathID(id string) string { return url.PathEscape(id) }
