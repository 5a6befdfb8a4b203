package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
)

type ctxKey int

const infoKey ctxKey = 1

// reqInfo is what the request log line reports, filled in as the request
// travels through the layers (all on the request's goroutine).
type reqInfo struct {
	id      string
	route   string
	userID  string
	errCode string
}

func reqInfoFrom(ctx context.Context) *reqInfo {
	info, _ := ctx.Value(infoKey).(*reqInfo)
	return info
}

func requestID(ctx context.Context) string {
	if info := reqInfoFrom(ctx); info != nil {
		return info.id
	}
	return ""
}

// statusWriter remembers what was written, for the log line and so that a
// panic after the header went out is not answered twice.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withCommon is the outermost layer of every request: a request id, one log
// line, and a panic turned into a 500 error JSON instead of a dropped
// connection or a stack trace.
//
// The log line names the route pattern, never the Authorization or
// x-access-key header, nor any body: keys and secrets must not reach logs.
func (s *Server) withCommon(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now() // a duration, not a business time: not the Now hook
		info := &reqInfo{id: uuid.NewString()}
		ctx := context.WithValue(r.Context(), infoKey, info)
		r = r.WithContext(ctx)
		sw := &statusWriter{ResponseWriter: w}
		sw.Header().Set("X-Request-Id", info.id)

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					panic(p)
				}
				s.log.Error("panic while handling a request", "request_id", info.id,
					"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.status == 0 {
					writeError(sw, r, errInternal())
				}
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("request_id", info.id),
				slog.String("method", r.Method),
				slog.String("route", info.route),
				slog.String("path", r.URL.Path),
				slog.Int("status", sw.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int("bytes", sw.bytes),
				slog.String("remote", r.RemoteAddr),
			}
			if info.userID != "" {
				attrs = append(attrs, slog.String("user_id", info.userID))
			}
			if info.errCode != "" {
				attrs = append(attrs, slog.String("error_code", info.errCode))
			}
			s.log.LogAttrs(ctx, level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// captureWriter records what ServeMux's own 404/405 handlers would answer,
// so that it can be re-rendered as error JSON.
type captureWriter struct {
	header http.Header
	status int
}

func (c *captureWriter) Header() http.Header { return c.header }
func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

// dispatch routes through mux, answering unknown paths (404) and wrong methods
// (405) with error JSON rather than ServeMux's plain text. Paths that are not
// canonical ("//", "/./", "/../") are 404 too, where ServeMux would redirect
// with an HTML body: an API client is better served by an error that shows
// its bug than by a redirect it may not follow (or follow with a method
// change).
func (s *Server) dispatch(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.EscapedPath(); p != "" {
			if clean := path.Clean(p); p != clean && p != clean+"/" {
				writeError(w, r, errNotFound("there is no endpoint %s %s: the path is not canonical (did you mean %s?)",
					r.Method, p, clean))
				return
			}
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			if info := reqInfoFrom(r.Context()); info != nil {
				info.route = pattern
			}
			mux.ServeHTTP(w, r)
			return
		}
		cw := &captureWriter{header: http.Header{}}
		h.ServeHTTP(cw, r)
		switch {
		case cw.status == http.StatusMethodNotAllowed:
			allow := cw.header.Get("Allow")
			e := newError(http.StatusMethodNotAllowed, codeMethodNotAllowed,
				"method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)
			e.header = http.Header{"Allow": {allow}}
			writeError(w, r, e)
		default:
			writeError(w, r, errNotFound("there is no endpoint %s %s; see api/openapi.yaml for the API", r.Method, r.URL.Path))
		}
	})
}
