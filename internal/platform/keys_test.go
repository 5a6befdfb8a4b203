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

func TestSessionTokenFormat(t *testing.T) {
	text, id, hash := newCredential(sessionTokenPrefix)
	if len(text) != keyLen || !strings.HasPrefix(text, "pgs_"+id+"_") {
		t.Fatalf("token %q has the wrong shape", text)
	}
	kind, gotID, secret, ok := ParseCredential(text)
	if !ok || kind != CredentialSessionToken || gotID != id || string(HashSecret(secret)) != string(hash) ||
		FormatSessionToken(id, secret) != text {
		t.Fatalf("parse(%q) = %q %q, %v", text, kind, gotID, ok)
	}
	// A token is not a key, and swapping the prefix makes neither: the
	// prefix is part of what the checksum sums.
	if _, _, ok := ParseAccessKey(text); ok {
		t.Error("a session token parses as an access key")
	}
	key, _, _ := newAccessKey()
	for _, swapped := range []string{"pgc" + text[3:], "pgs" + key[3:]} {
		if kind, _, _, ok := ParseCredential(swapped); ok {
			t.Errorf("%q parses as a %s", swapped, kind)
		}
	}
	if kind, _, _, ok := ParseCredential(key); !ok || kind != CredentialAccessKey {
		t.Errorf("an access key parses as %q, %v", kind, ok)
	}
	// Malformed: the kind still comes from the prefix, for the message.
	for bad, want := range map[string]string{"pgs_x": CredentialSessionToken, "pgc_x": CredentialAccessKey, "": "", "xyz_" + text[4:]: ""} {
		if kind, _, _, ok := ParseCredential(bad); ok || kind != want {
			t.Errorf("%q: kind %q ok %v, want %q and not ok", bad, kind, ok, want)
		}
	}
}
