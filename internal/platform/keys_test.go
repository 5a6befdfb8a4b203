package platform

import (
	"strings"
	"testing"
)

func TestAccessKeyFormat(t *testing.T) {
	text, id, hash := newAccessKey()
	if len(text) != keyLen || !strings.HasPrefix(text, "pgc_"+id+"_") {
		t.Fatalf("key %q has the wrong shape", text)
	}
	gotID, secret, ok := ParseAccessKey(text)
	if !ok || gotID != id || string(HashSecret(secret)) != string(hash) {
		t.Fatalf("parse(%q) = %q, %v", text, gotID, ok)
	}
	// Any one changed character breaks the checksum or the shape.
	for _, i := range []int{4, 10, 17, 40, 57, len(text) - 1} {
		b := []byte(text)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		if _, _, ok := ParseAccessKey(string(b)); ok {
			t.Errorf("a key changed at %d still parses", i)
		}
	}
	for _, bad := range []string{"", "pgc_", text + "x", text[:len(text)-1], strings.Replace(text, "pgc_", "pgx_", 1)} {
		if _, _, ok := ParseAccessKey(bad); ok {
			t.Errorf("%q parses", bad)
		}
	}
	if a, _, _ := newAccessKey(); a == text {
		t.Fatal("two keys are equal")
	}
}
