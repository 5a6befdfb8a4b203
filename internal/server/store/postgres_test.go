package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/testenv/testpg"
)

// Tests of what only the PostgreSQL store has: a password in its URL, and
// a database that can go away and come back under it.

// No error of Open shows the password of the URL: not when the URL does not
// parse, not when nothing listens, not when the server refuses the login.
func TestPostgresErrorsHidePassword(t *testing.T) {
	pg := testPostgres(t)
	real, err := url.Parse(pg.DSN)
	must(t, err)
	realPassword, _ := real.User.Password()
	const password = "hunter2-S3CRET/?#"
	escaped := url.UserPassword("app", password).String()
	host := real.Host
	for _, spec := range []string{
		"postgres://" + escaped + "@127.0.0.1:1/pgcloud?connect_timeout=5", // nothing listens
		"postgres://" + escaped + "@" + host + "/postgres?sslmode=disable", // wrong password
		"postgresql://" + escaped + "@" + host + "/postgres?sslmode=bogus",
		"postgres://" + escaped + "@" + host + ":notaport/postgres",
		"postgres://" + escaped + "@" + host + "/postgres?connect_timeout=soon",
		"postgres://app@" + host + "/postgres?sslmode=disable&password=" + url.QueryEscape(password),
		"postgres://app@" + host + "/postgres?sslmode=require&sslpassword=" + url.QueryEscape(password),
		"postgres:app:" + password + "@" + host + "/postgres",
		"postgres://app:" + password + "@" + host + "/postgres", // not a valid URL as is
		// The right password and a database that does not exist.
		(&url.URL{Scheme: real.Scheme, User: real.User, Host: real.Host, Path: "/no_such_database", RawQuery: real.RawQuery}).String(),
	} {
		s, err := Open(context.Background(), spec)
		if err == nil {
			_ = s.Close()
			t.Errorf("Open worked with a URL that should fail")
			continue
		}
		for _, secret := range []string{password, url.QueryEscape(password), url.PathEscape(password), "hunter2", realPassword} {
			if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
				t.Errorf("an error of Open shows the password (%q): %v", secret, err)
			}
		}
		t.Logf("%v", err)
	}
}

// Should the driver ever quote a secret, as is or escaped, it is hidden.
func TestWithoutSecrets(t *testing.T) {
	secret := "p@ss word/1"
	for _, text := range []string{"a p@ss word/1 b", "a p%40ss+word%2F1 b", "a p@ss%20word%2F1 b", "a p%40ss%20word%2F1 b"} {
		if got := withoutSecrets(errors.New(text), []string{secret}).Error(); got != "a xxxxx b" {
			t.Errorf("%q became %q", text, got)
		}
	}
	plain := errors.New("nothing to hide")
	if withoutSecrets(plain, []string{secret}) != plain {
		t.Error("an error without secrets was replaced")
	}
}

// The store survives a restart of PostgreSQL without being reopened: while
// the database is down Ping says so and statements fail; once it is back, a
// statement may fail once (on a connection that died with the old server)
// and the next works.
func TestPostgresSurvivesRestart(t *testing.T) {
	pg := testPostgres(t)
	db := newPostgresDB(t)
	ctx := context.Background()
	s, m := openSeeded(t, db)
	replica := db.open(t)
	// Fill the pools with connections that will die with the server.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _, _ = s.ListProjects(ctx, ProjectFilter{}, Page{Limit: 1}) })
		wg.Go(func() { _, _ = replica.GetOrganization(ctx, "o") })
	}
	wg.Wait()

	if err := pg.Down(); errors.Is(err, testpg.ErrExternal) {
		t.Skip(err) // only a PostgreSQL the tests started can be restarted
	} else if err != nil {
		t.Fatal(err)
	}
	up := false
	defer func() {
		if !up { // the package's other tests need it
			must(t, pg.Up())
		}
	}()

	pingCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Ping(pingCtx); err == nil {
		t.Fatal("Ping reports no outage while PostgreSQL is down")
	} else {
		t.Logf("ping while down (%v): %v", time.Since(start).Round(time.Millisecond), err)
		wantUnavailable(t, "ping while down", err)
	}
	if _, err := s.GetOrganization(ctx, "o"); err == nil {
		t.Error("a read worked while PostgreSQL is down")
	} else {
		wantUnavailable(t, "a read while down", err)
	}
	if err := s.InTx(ctx, func(q Queries) error {
		return q.CreateProject(ctx, Project{ID: "lost", OrganizationID: "o", Name: "lost", Meta: m})
	}); err == nil {
		t.Error("a write worked while PostgreSQL is down")
	} else {
		wantUnavailable(t, "a write while down", err)
	}

	must(t, pg.Up())
	up = true
	failed := map[Store]int{}
	writes := 0
	for _, op := range []struct {
		what string
		run  func(st Store) error
	}{
		{"ping", func(st Store) error { return st.Ping(ctx) }},
		{"read", func(st Store) error { return get(st.GetOrganization(ctx, "o")) }},
		{"write", func(st Store) error {
			return st.InTx(ctx, func(q Queries) error {
				writes++
				id := fmt.Sprint("p", writes)
				return q.CreateProject(ctx, Project{ID: id, OrganizationID: "o", Name: id, Meta: m})
			})
		}},
		{"list", func(st Store) error { return get3(st.ListProjects(ctx, ProjectFilter{}, Page{Limit: 10})) }},
	} {
		for _, st := range []Store{s, replica} {
			if err := op.run(st); err != nil {
				failed[st]++
				t.Logf("%s after the restart failed: %v", op.what, err)
				wantUnavailable(t, op.what+" after the restart", err)
				if failed[st] > 1 {
					t.Errorf("a store failed %d statements after the restart; want one at most", failed[st])
				}
				if err := op.run(st); err != nil {
					t.Errorf("%s failed twice after the restart: %v", op.what, err)
				}
			}
		}
	}
	t.Logf("statements failed after the restart: %d on one store, %d on the other", failed[s], failed[replica])
	if _, err := s.GetProject(ctx, "lost"); !errors.Is(err, ErrNotFound) {
		t.Errorf("the write made while PostgreSQL was down: %v", err)
	}
}

// Unavailable tells a database that cannot be reached from one that
// refuses a statement, also when the error is wrapped.
func TestUnavailable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true},                                  // admin_shutdown
		{fmt.Errorf("look up: %w", &pgconn.PgError{Code: "08006"}), true},       // connection_failure
		{&pgconn.PgError{Code: "57P03"}, true},                                  // cannot_connect_now
		{fmt.Errorf("begin: %w", io.ErrUnexpectedEOF), true},                    // the connection died mid-answer
		{fmt.Errorf("x: %w", pgconn.ErrConnClosed), true},                       // used after it died
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true}, // nothing listens
		{&pgconn.PgError{Code: pgUniqueViolation}, false},
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined_table: a bug, not an outage
		{fmt.Errorf("%w: duplicate", ErrConflict), false},
		{ErrNotFound, false},
		{context.Canceled, false},
		{nil, false},
	} {
		if got := Unavailable(c.err); got != c.want {
			t.Errorf("Unavailable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// wantUnavailable fails the test unless err is one that Unavailable
// recognizes: the server answers it 503, which clients retry.
func wantUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !Unavailable(err) {
		t.Errorf("%s: Unavailable(%v) = false, want true", what, err)
	}
}

// get3 drops the values of a List, keeping its error.
func get3[T any](_ T, _ int, err error) error { return err }
