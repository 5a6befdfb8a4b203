package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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

// operationResult is the answer of an operation that makes no object, such
// as revoking every session token of a machine user: the href of what it
// acted on and, in properties, what it did (how many it revoked, ...).
type operationResult struct {
	Type       string `json:"type"`
	Href       string `json:"href"`
	Properties any    `json:"properties"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func metadata(m store.Meta, owner string) *metadataJSON {
	return &metadataJSON{
		CreatedDate:      timestamp(m.CreatedAt),
		CreatedBy:        platform.PublicUserID(m.CreatedBy),
		LastModifiedDate: timestamp(m.UpdatedAt),
		LastModifiedBy:   platform.PublicUserID(m.UpdatedBy),
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
	if p.Offset < total-p.Limit { // not offset+limit: an offset near the int limit would overflow

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

// listQuery is the query of a list request as the list reads it. Each
// parameter the list reads (param, values) is one of its own; limit and
// offset are every list's. Any other parameter is refused, so that a typo
// (?usrname=ci) is not a list of everything.
type listQuery struct {
	r       *http.Request
	read    map[string]bool
	filters url.Values // the parameters kept in the links to other pages
}

// param returns the value of the list's parameter name ("" when absent) and
// keeps a set one in the links.
func (q *listQuery) param(name string) string {
	value := q.r.URL.Query().Get(name)
	q.read[name] = true
	if value != "" {
		q.filters.Set(name, value)
	}
	return value
}

// values returns the values of the list's parameter name as they came; the
// caller keeps in the links what matters (with keep).
func (q *listQuery) values(name string) ([]string, bool) {
	q.read[name] = true
	vals, ok := q.r.URL.Query()[name]
	return vals, ok
}

func (q *listQuery) keep(name, value string) { q.filters.Set(name, value) }

// unknown is a 422 naming each parameter the list did not read, or nil.
func (q *listQuery) unknown() error {
	var names []string
	for name := range q.r.URL.Query() {
		if name != "limit" && name != "offset" && !q.read[name] {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	known := []string{"limit", "offset"}
	for name := range q.read {
		known = append(known, name)
	}
	slices.Sort(known[2:])
	var v platform.Violations
	for _, name := range names {
		v.Add(name, "is not a parameter of this list (its parameters: %s)", strings.Join(known, ", "))
	}
	return v.Err()
}

// writeList answers one page of a list. It reads limit and offset, then
// calls fetch with the page and the list's query, from which fetch reads the
// list's own parameters (so that following the links walks the same list),
// and returns the page's items and the total. Each item is shown in its
// envelope. A parameter fetch did not read is refused.
func writeList[T any](w http.ResponseWriter, r *http.Request, path string, envelopeOf func(T) envelope,
	fetch func(p store.Page, q *listQuery) ([]T, int, error)) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := &listQuery{r: r, read: map[string]bool{}, filters: url.Values{}}
	items, total, err := fetch(p, q)
	if err != nil {
		return err
	}
	if err := q.unknown(); err != nil {
		return err
	}
	out := make([]envelope, len(items))
	for i, item := range items {
		out[i] = envelopeOf(item)
	}
	writeJSON(w, http.StatusOK, newCollection(path, q.filters, p, total, out))
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
