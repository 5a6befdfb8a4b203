package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// ErrRetriesExhausted is in the chain of the error of a request that the
// client stopped retrying although a later attempt might have succeeded:
// MaxRetries connection errors, 502, 503 or 504 answers were retried, the
// context's deadline came while the request waited to be retried, or 429s
// went on for longer than the client waits without a deadline. The error's
// text says how many attempts were made and which setting allows more (see
// Config.MaxRetriesSetting and Config.DeadlineSetting).
var ErrRetriesExhausted = errors.New("retries exhausted")

// APIError is an HTTP error answer of the API. It is built from the error
// JSON when there is one, else from the status and a snippet of the body.
type APIError struct {
	HTTPStatus int            `json:"httpStatus"`
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	Messages   []FieldMessage `json:"messages"`
	RequestID  string         `json:"requestId"`

	// Added by the client:
	Method   string `json:"-"` // request method
	Path     string `json:"-"` // request path (escaped), without the query
	Attempts int    `json:"-"` // attempts made, including retries
	// GaveUp is, when the client stopped retrying this answer, the sentence
	// that says so (see ErrRetriesExhausted). It also ends Message, so that
	// whoever shows the server's message shows it too.
	GaveUp string `json:"-"`
}

// Unwrap gives ErrRetriesExhausted when the client gave up retrying.
func (e *APIError) Unwrap() error {
	if e.GaveUp != "" {
		return ErrRetriesExhausted
	}
	return nil
}

// FieldMessage is one entry of an error's "messages".
type FieldMessage struct {
	ErrorCode string `json:"errorCode"`
	Message   string `json:"message"`
	Field     string `json:"field"`
}

// Error includes status, code, message, field messages, request id, the
// request and, after retries, the attempt count.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("pgcloud API error: ")
	fmt.Fprintf(&b, "%d", e.HTTPStatus)
	if e.Code != "" {
		b.WriteString(" " + e.Code)
	} else if t := http.StatusText(e.HTTPStatus); t != "" {
		b.WriteString(" " + t)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	var fields []string
	for _, m := range e.Messages {
		switch {
		case m.Field != "" && m.Message != "":
			fields = append(fields, m.Field+": "+m.Message)
		case m.Field != "":
			fields = append(fields, m.Field+": "+m.ErrorCode)
		case m.Message != "" && m.Message != e.Message:
			fields = append(fields, m.Message)
		}
	}
	if len(fields) > 0 {
		b.WriteString(" [" + strings.Join(fields, "; ") + "]")
	}
	var extra []string
	if e.Method != "" || e.Path != "" {
		extra = append(extra, strings.TrimSpace(e.Method+" "+e.Path))
	}
	if e.RequestID != "" {
		extra = append(extra, "request id "+e.RequestID)
	}
	if e.Attempts > 1 {
		extra = append(extra, fmt.Sprintf("after %d attempts", e.Attempts))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// AsAPIError returns the *APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var e *APIError
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsPermissionDenied reports a 403: the caller may not do this.
func IsPermissionDenied(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsUnauthenticated reports a 401.
func IsUnauthenticated(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

func hasStatus(err error, status int) bool {
	e, ok := AsAPIError(err)
	return ok && e.HTTPStatus == status
}

// RequestError is a failure that produced no usable HTTP response: a
// connection error, a timeout, a cancelled context. It names the method and
// URL (never the access key). If retried responses were received before the
// failure, Last holds the last of them.
type RequestError struct {
	Method   string
	URL      string
	Attempts int
	Err      error
	Last     *APIError
	// GaveUp is, when the client stopped retrying, the sentence that says
	// so (see ErrRetriesExhausted); it ends the error's text.
	GaveUp string
}

func (e *RequestError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %v", e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if e.Last != nil {
		fmt.Fprintf(&b, "; last response: %s", e.Last.Error())
	}
	if e.GaveUp != "" {
		b.WriteString(". " + e.GaveUp)
	}
	return b.String()
}

// Unwrap returns the cause and, if any, the last API error; when the client
// gave up retrying, ErrRetriesExhausted instead of the last API error. A
// caller that shows the API error it finds in the chain (as the provider's
// diagnostics do) then shows this whole error, which says that retries were
// exhausted and which setting allows more, instead of only the server's
// last "retry after 1 seconds". Last stays available as a field.
func (e *RequestError) Unwrap() []error {
	if e.GaveUp != "" {
		return []error{e.Err, ErrRetriesExhausted}
	}
	if e.Last != nil {
		return []error{e.Err, e.Last}
	}
	return []error{e.Err}
}

// apiErrorFrom builds an APIError from a non-2xx response.
func apiErrorFrom(status int, h http.Header, body []byte) *APIError {
	e := &APIError{HTTPStatus: status}
	var wire APIError
	if err := json.Unmarshal(body, &wire); err == nil && (wire.Code != "" || wire.Message != "") {
		e.Code = wire.Code
		e.Message = wire.Message
		e.Messages = wire.Messages
		e.RequestID = wire.RequestID
	} else {
		s := snippet(body)
		if s == "" {
			e.Message = "unexpected response with an empty body"
		} else {
			e.Message = "unexpected response: " + s
		}
	}
	if e.RequestID == "" && h != nil {
		e.RequestID = h.Get("X-Request-Id")
	}
	return e
}

const snippetLen = 512

func snippet(body []byte) string {
	s := strings.ToValidUTF8(string(body), "\uFFFD")
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > snippetLen {
		r := []rune(s)
		s = string(r[:snippetLen]) + "…"
	}
	return s
}

// requestError describes a request to rawURL that ended without a usable
// answer after tries.
func (c *Client) requestError(req *http.Request, rawURL string, tries *attempts, err error) *RequestError {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err // the URL is already in the message
	}
	re := &RequestError{Method: req.Method, URL: rawURL, Attempts: tries.count, Err: err}
	if tries.lastAnswer != nil {
		re.Last = c.completeAPIError(tries.lastAnswer, req, 0)
	}
	if why := whyGaveUp(req.Context(), tries); why != 0 {
		re.GaveUp = c.giveUpNote(why, tries)
	}
	return re
}

// answerError is the error of a request that ended with the error answer
// tries.lastAnswer, after tries.
func (c *Client) answerError(req *http.Request, tries *attempts) *APIError {
	e := c.completeAPIError(tries.lastAnswer, req, tries.count)
	if why := whyGaveUp(req.Context(), tries); why != 0 {
		e.GaveUp = c.giveUpNote(why, tries)
		switch m := strings.TrimSpace(e.Message); {
		case m == "":
			e.Message = e.GaveUp
		case strings.HasSuffix(m, ".") || strings.HasSuffix(m, "!") || strings.HasSuffix(m, "?"):
			e.Message = m + " " + e.GaveUp
		default:
			e.Message = m + ". " + e.GaveUp
		}
	}
	return e
}

// completeAPIError adds what the client knows about the request to an error
// answer and removes the access key from what the server sent back.
func (c *Client) completeAPIError(e *APIError, req *http.Request, attempts int) *APIError {
	e.Method, e.Path, e.Attempts = req.Method, req.URL.EscapedPath(), attempts
	e.Message = c.redact(e.Message)
	e.Code = c.redact(e.Code)
	e.RequestID = c.redact(e.RequestID)
	for i := range e.Messages {
		m := &e.Messages[i]
		m.Message, m.Field, m.ErrorCode = c.redact(m.Message), c.redact(m.Field), c.redact(m.ErrorCode)
	}
	return e
}
