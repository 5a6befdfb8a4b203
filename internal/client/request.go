package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
)

const (
	// maxSuccessBody bounds how much of a successful response is decoded.
	maxSuccessBody = 32 << 20
	// maxErrorBody bounds how much of an error response is read.
	maxErrorBody = 1 << 20
)

// WithIdempotencyKey returns a context whose creates use key as their
// Idempotency-Key instead of a freshly generated one.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idempotencyKeyKey{}, key)
}

type idempotencyKeyKey struct{}

// do sends one logical request. path is relative to /api/v1, already escaped.
// body (if non-nil) is JSON-encoded; out (if non-nil) receives the decoded
// JSON body of a 2xx response. A non-empty idemKey is sent as
// Idempotency-Key, which also makes a POST retryable.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, idemKey string, out any) error {
	rawURL := c.base + path
	if len(query) > 0 {
		rawURL += "?" + query.Encode()
	}
	var payload []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encoding request: %w", method, rawURL, err)
		}
		payload = b
	}
	key, err := c.credential(ctx)
	if err != nil {
		return err
	}
	return c.send1(ctx, method, rawURL, payload, "application/json", key, idemKey, out)
}

// send1 sends one logical request to rawURL with payload (nil: no body) of
// contentType, authenticated with key ("": none), and decodes a 2xx JSON
// answer into out (if non-nil).
func (c *Client) send1(ctx context.Context, method, rawURL string, payload []byte, contentType, key, idemKey string, out any) error {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	tries := &attempts{start: time.Now()}
	req, err := http.NewRequestWithContext(context.WithValue(ctx, attemptsKey{}, tries), method, rawURL, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}

	resp, err := c.send(req)
	if err != nil {
		return c.requestError(req, rawURL, tries, err)
	}
	defer func() { _ = resp.Body.Close() }()

	if !isSuccess(resp.StatusCode) {
		// The transport decoded the answer as it arrived.
		return c.answerError(req, tries)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return nil
	}
	if resp.StatusCode == http.StatusNoContent {
		return fmt.Errorf("%s %s: unexpected 204 No Content, a JSON body was expected", method, rawURL)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxSuccessBody))
	if err := dec.Decode(out); err != nil {
		reqID := resp.Header.Get("X-Request-Id")
		if errors.Is(err, io.EOF) {
			err = errors.New("empty body, a JSON body was expected")
		}
		if reqID != "" {
			return fmt.Errorf("%s %s: decoding %d response (request id %s): %w", method, rawURL, resp.StatusCode, reqID, err)
		}
		return fmt.Errorf("%s %s: decoding %d response: %w", method, rawURL, resp.StatusCode, err)
	}
	return nil
}

func isSuccess(status int) bool { return status >= 200 && status <= 299 }

// getOne reads the object at the path made of parts (see resourcePath).
func getOne[T any](ctx context.Context, c *Client, parts ...string) (*T, error) {
	return sendOne[T](ctx, c, http.MethodGet, nil, "", parts)
}

// createOne POSTs body to the collection at parts (or to another POST
// endpoint that honours Idempotency-Key). Its Idempotency-Key, taken from
// ctx (see WithIdempotencyKey) or made here, is reused by every retry of
// this create, so that a retry returns the first answer instead of making a
// second object.
func createOne[T any](ctx context.Context, c *Client, body any, parts ...string) (*T, error) {
	key, _ := ctx.Value(idempotencyKeyKey{}).(string)
	if key == "" {
		key = uuid.NewString()
	}
	return sendOne[T](ctx, c, http.MethodPost, body, key, parts)
}

// updateOne PATCHes the object at parts with body.
func updateOne[T any](ctx context.Context, c *Client, body any, parts ...string) (*T, error) {
	return sendOne[T](ctx, c, http.MethodPatch, body, "", parts)
}

// deleteOne deletes the object at parts. A 404 is returned as an error;
// callers that treat it as done use IsNotFound.
func deleteOne(ctx context.Context, c *Client, parts ...string) error {
	path, err := resourcePath(parts...)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodDelete, path, nil, nil, "", nil)
}

func sendOne[T any](ctx context.Context, c *Client, method string, body any, idemKey string, parts []string) (*T, error) {
	path, err := resourcePath(parts...)
	if err != nil {
		return nil, err
	}
	var out T
	if err := c.do(ctx, method, path, nil, body, idemKey, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// resourcePath builds an escaped path below /api/v1 from fixed words (odd
// positions) and ids (even positions). A blank id is refused with an error
// that names the word before it, and no segment may be "." or "..", so that
// no id can reach another path.
func resourcePath(parts ...string) (string, error) {
	var b strings.Builder
	for i, s := range parts {
		if i%2 == 1 && strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("pgcloud client: an id is required after %q", parts[i-1])
		}
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("pgcloud client: invalid empty or dot path segment %q in %v", s, parts)
		}
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String(), nil
}
