package client

import (
	"strings"
	"testing"
)

func TestNewValidatesAndNormalisesEndpoint(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:8080":             "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/":            "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1":      "http://127.0.0.1:8080",
		"http://127.0.0.1:8080/api/v1/":     "http://127.0.0.1:8080",
		" https://pg.example.com/pgc/ ":     "https://pg.example.com/pgc",
		"https://pg.example.com/pgc/api/v1": "https://pg.example.com/pgc",
	}
	for in, want := range cases {
		c, err := New(Config{Endpoint: in, AccessKey: testKey})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if c.base != want+"/api/v1" {
			t.Fatalf("%q: got %q", in, c.base)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:8080", "ftp://x", "http://", "http://u:p@host", "http://h/?a=b"} {
		if _, err := New(Config{Endpoint: bad, AccessKey: testKey}); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	if _, err := New(Config{Endpoint: "http://h"}); err == nil {
		t.Fatal("empty access key accepted")
	}
	_, err := New(Config{Endpoint: "http://u:" + testKey + "@host", AccessKey: testKey})
	if err == nil || strings.Contains(err.Error(), testKey) {
		t.Fatalf("credentials in endpoint: %v", err)
	}
}
