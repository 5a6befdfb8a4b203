package client

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strconv"
)

const (
	// DefaultPageSize is the page size when none is given.
	DefaultPageSize = 100
	// MaxPageSize is the largest limit the API accepts.
	MaxPageSize = 1000
)

func clampPageSize(n int) int {
	switch {
	case n <= 0:
		return DefaultPageSize
	case n > MaxPageSize:
		return MaxPageSize
	}
	return n
}

// collection is the wire form of a list answer.
type collection[T any] struct {
	Type   string `json:"type"`
	Href   string `json:"href"`
	Offset *int   `json:"offset"`
	Limit  *int   `json:"limit"`
	Total  *int   `json:"total"`
	Items  []T    `json:"items"`
}

// Pages walks a limit/offset collection at path (relative to /api/v1,
// already escaped; see PathEscape) with the given extra query, pageSize items
// at a time (0 = DefaultPageSize, at most MaxPageSize). Items are decoded into
// T from JSON (the models decode the object envelope). It stops after a page
// that adds no items, or when the offset reaches the collection's total; on an
// error it yields (zero, err) once and stops. Breaking out of the loop stops
// fetching.
func Pages[T any](ctx context.Context, c *Client, path string, query url.Values, pageSize int) iter.Seq2[T, error] {
	size := clampPageSize(pageSize)
	return func(yield func(T, error) bool) {
		var zero T
		offset := 0
		for {
			q := url.Values{}
			for k, v := range query {
				q[k] = append([]string(nil), v...)
			}
			q.Set("limit", strconv.Itoa(size))
			q.Set("offset", strconv.Itoa(offset))
			var page collection[json.RawMessage]
			if err := c.get(ctx, path, q, &page); err != nil {
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

// Collect gathers all items of seq, stopping at the first error. It returns a
// non-nil (possibly empty) slice on success.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	out := []T{}
	for item, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	return out, nil
}

// PathEscape builds an escaped API path (relative to /api/v1) from segments,
// e.g. PathEscape("organizations", orgID, "projects"). Segments may not be
// empty, "." or "..".
func PathEscape(segments ...string) (string, error) { return pathOf(segments...) }
