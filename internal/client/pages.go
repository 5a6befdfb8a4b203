package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// defaultPageSize is the number of items the client asks for per page (the
// API's default; it accepts 1 to 1000).
const defaultPageSize = 100

// collection is the wire form of a list answer, as far as paging reads it.
type collection[T any] struct {
	Offset *int `json:"offset"`
	Total  *int `json:"total"`
	Items  []T  `json:"items"`
}

// pages walks the limit/offset collection at path (relative to /api/v1,
// already escaped) with the given extra query, c.pageSize items at a time.
// Items are decoded into T from JSON (the models decode the object envelope).
// It stops after a page that adds no items, or when the offset reaches the
// collection's total; on an error it yields (zero, err) once and stops.
// Breaking out of the loop stops fetching.
func pages[T any](ctx context.Context, c *Client, path string, query url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		offset := 0
		for {
			q := url.Values{}
			for k, v := range query {
				q[k] = append([]string(nil), v...)
			}
			q.Set("limit", strconv.Itoa(c.pageSize))
			q.Set("offset", strconv.Itoa(offset))
			var page collection[json.RawMessage]
			if err := c.do(ctx, http.MethodGet, path, q, nil, "", &page); err != nil {
				yield(zero, err)
				return
			}
			if page.Offset != nil && *page.Offset != offset {
				yield(zero, fmt.Errorf("GET %s: asked for offset %d, the server answered offset %d", path, offset, *page.Offset))
				return
			}
			if len(page.Items) == 0 {
				return
			}
			for i, raw := range page.Items {
				var item T
				if err := json.Unmarshal(raw, &item); err != nil {
					yield(zero, fmt.Errorf("GET %s: item %d: %w", path, offset+i, err))
					return
				}
				if !yield(item, nil) {
					return
				}
			}
			offset += len(page.Items)
			if page.Total != nil && offset >= *page.Total {
				return
			}
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
		}
	}
}

// each walks the collection at the path made of parts (see resourcePath)
// page by page, as pages does: a caller that needs only the first few items
// (a list resource with a limit) breaks out and fetches no further page.
func each[T any](ctx context.Context, c *Client, query url.Values, parts ...string) iter.Seq2[T, error] {
	path, err := resourcePath(parts...)
	if err != nil {
		return func(yield func(T, error) bool) {
			var zero T
			yield(zero, err)
		}
	}
	return pages[T](ctx, c, path, query)
}

// listAll gathers every item of the collection at the path made of parts
// (see resourcePath), stopping at the first error. It returns a non-nil
// (possibly empty) slice on success.
func listAll[T any](ctx context.Context, c *Client, query url.Values, parts ...string) ([]T, error) {
	out := []T{}
	for item, err := range each[T](ctx, c, query, parts...) {
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// filter is the query of the name/value pairs whose value is not empty; an
// empty value matches all.
func filter(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			q.Set(pairs[i], pairs[i+1])
		}
	}
	return q
}
