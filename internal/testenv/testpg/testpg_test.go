package testpg

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestStartConnectLogStop(t *testing.T) {
	start := time.Now()
	p, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %v on port %d", time.Since(start), p.Port)
	ctx := context.Background()
	if err := p.Exec(ctx, `CREATE ROLE "tp user" LOGIN PASSWORD 'secret-pw-1'`); err != nil {
		t.Fatal(err)
	}
	if err := p.ConnectAs(ctx, "tp user", "secret-pw-1"); err != nil {
		t.Fatalf("login with the right password: %v", err)
	}
	if err := p.ConnectAs(ctx, "tp user", "wrong-password"); err == nil {
		t.Fatal("login with a wrong password worked: TCP is not password-authenticated")
	}
	v, err := p.QueryString(ctx, "SHOW log_statement")
	if err != nil || v != "all" {
		t.Fatalf("log_statement = %q, %v", v, err)
	}
	if p.LogFile != "" {
		log, err := p.Log()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(log, `CREATE ROLE "tp user"`) {
			t.Errorf("the statement is not in the log:\n%s", log)
		}
	}
	dir := p.dir
	p.Stop()
	p.Stop()
	if dir != "" {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the directory %s outlived Stop: %v", dir, err)
		}
	}
	if err := p.ConnectAs(ctx, "tp user", "secret-pw-1"); err == nil && dir != "" {
		t.Error("PostgreSQL still answers after Stop")
	}
}

func TestMissingBinariesNamePackage(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := findBinaries(t.TempDir() + "/*/bin/initdb")
	if err == nil {
		t.Fatal("found binaries in an empty directory and an empty PATH")
	}
	if !strings.Contains(err.Error(), DebianPackage) {
		t.Errorf("error does not name %s: %v", DebianPackage, err)
	}
}

func TestDownUpKeepsData(t *testing.T) {
	p, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ctx := context.Background()
	if err := p.Exec(ctx, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')"); err != nil {
		t.Fatal(err)
	}
	if err := p.Down(); errors.Is(err, ErrExternal) {
		t.Skip(err)
	} else if err != nil {
		t.Fatal(err)
	}
	if _, err := p.QueryString(ctx, "SELECT v FROM kept"); err == nil {
		t.Fatal("PostgreSQL answers after Down")
	}
	if err := p.Up(); err != nil {
		t.Fatal(err)
	}
	if v, err := p.QueryString(ctx, "SELECT v FROM kept"); err != nil || v != "before" {
		t.Fatalf("after Up: %q, %v", v, err)
	}
}
