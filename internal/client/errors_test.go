package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestAPIErrorParsed(t *testing.T) {
	type tc struct {
		status int
		code   string
	}
	cases := []tc{
		{404, "NOT_FOUND"},
		{409, "ALREADY_EXISTS"},
		{409, "QUOTA_EXCEEDED"},
		{409, "LAST_OWNER"},
		{403, "PERMISSION_DENIED"},
		{401, "UNAUTHENTICATED"},
		{422, "INVALID_ARGUMENT"},
		{400, "INVALID_ARGUMENT"},
	}
	for _, k := range cases {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			writeError(w, k.status, k.code, "Something is wrong.", "req-"+strconv.Itoa(k.status),
				FieldMessage{ErrorCode: k.code, Message: "must not contain whitespace", Field: "username"},
				FieldMessage{ErrorCode: k.code, Message: "is not a valid address", Field: "email"})
		})
		c, _ := newTestClient(t, srv.URL)
		_, err := c.CreateMachineUser(context.Background(), "org-1", MachineUserCreate{Username: "a b"})
		apiErr, ok := AsAPIError(err)
		if !ok {
			t.Fatalf("not an APIError: %T", err)
		}
		want := &APIError{
			HTTPStatus: k.status, Code: k.code, Message: "Something is wrong.",
			Messages: []FieldMessage{
				{ErrorCode: k.code, Message: "must not contain whitespace", Field: "username"},
				{ErrorCode: k.code, Message: "is not a valid address", Field: "email"},
			},
			RequestID: "req-" + strconv.Itoa(k.status),
			Method:    "POST", Path: "/api/v1/organizations/org-1/machine-users", Attempts: 1,
		}
		if !reflect.DeepEqual(apiErr, want) {
			t.Fatalf("got %+v\nwant %+v", apiErr, want)
		}
		msg := err.Error()
		for _, s := range []string{strconv.Itoa(k.status), k.code, "Something is wrong.", "username: must not contain whitespace",
			"email: is not a valid address", want.RequestID} {
			if !strings.Contains(msg, s) {
				t.Fatalf("message %q lacks %q", msg, s)
			}
		}
		// Each helper says yes to its status only.
		if IsNotFound(err) != (k.status == 404) || IsUnauthenticated(err) != (k.status == 401) {
			t.Fatalf("%d %s: wrong helper matched", k.status, k.code)
		}
	}

	// Wrapped errors still match (errors.As).
	wrapped := fmt.Errorf("reading machine user: %w", &APIError{HTTPStatus: 404, Code: "NOT_FOUND"})
	if !IsNotFound(wrapped) || IsNotFound(errors.New("404")) || IsNotFound(nil) {
		t.Fatal("IsNotFound on wrapped/plain/nil")
	}

	// The request id falls back to X-Request-Id.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "hdr-id")
		writeRaw(w, 404, `{"httpStatus":404,"code":"NOT_FOUND","message":"No such organization."}`)
	})
	c, _ := newTestClient(t, srv.URL)
	_, err := c.GetOrganization(context.Background(), "nope")
	if e, _ := AsAPIError(err); e == nil || e.RequestID != "hdr-id" || !IsNotFound(err) || e.Messages != nil {
		t.Fatalf("got %#v", err)
	}
}

func TestNonJSONErrorBody(t *testing.T) {
	long := strings.Repeat("x", 5000)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Request-Id", "proxy-1")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html>\n<body>Bad   Gateway</body></html>"+long)
	})
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxRetries = 1 })
	_, err := c.GetOrganization(context.Background(), "org-1")
	e, ok := AsAPIError(err)
	if !ok || e.HTTPStatus != 502 || e.Code != "" || e.RequestID != "proxy-1" || e.Attempts != 2 {
		t.Fatalf("got %#v", err)
	}
	if !strings.HasPrefix(e.Message, "unexpected response: <html> <body>Bad Gateway</body></html>xxx") || len(e.Message) > 700 {
		t.Fatalf("message %q", e.Message)
	}
	if !strings.Contains(err.Error(), "502 Bad Gateway") {
		t.Fatalf("Error() %q", err)
	}

	// Empty body, and JSON that is not error JSON.
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/v1/organizations/a" {
			w.WriteHeader(404)
			return
		}
		writeRaw(w, 418, `{"teapot":true}`)
	})
	c2, _ := newTestClient(t, srv2.URL)
	_, err = c2.GetOrganization(context.Background(), "a")
	if !IsNotFound(err) || !strings.Contains(err.Error(), "empty body") {
		t.Fatalf("got %v", err)
	}
	_, err = c2.GetOrganization(context.Background(), "b")
	if statusOf(err) != 418 || !strings.Contains(err.Error(), `{"teapot":true}`) {
		t.Fatalf("got %v", err)
	}
}
