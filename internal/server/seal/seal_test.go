package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpens(t *testing.T) {
	k := Derive([]byte("a secret"), "test purpose")
	sealed := k.Seal([]byte("pgc_key_text"), []byte("row-1"))
	if bytes.Contains(sealed, []byte("pgc_key_text")) {
		t.Fatal("the plaintext is visible in the sealed value")
	}
	got, err := k.Open(sealed, []byte("row-1"))
	if err != nil || string(got) != "pgc_key_text" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if again := k.Seal([]byte("pgc_key_text"), []byte("row-1")); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
}

func TestOpenRefuses(t *testing.T) {
	k := Derive([]byte("a secret"), "test purpose")
	sealed := k.Seal([]byte("dsn"), []byte("row-1"))
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"other row": func() ([]byte, error) { return k.Open(sealed, []byte("row-2")) },
		"other secret": func() ([]byte, error) {
			return Derive([]byte("b secret"), "test purpose").Open(sealed, []byte("row-1"))
		},
		"other purpose": func() ([]byte, error) { return Derive([]byte("a secret"), "other").Open(sealed, []byte("row-1")) },
		"changed byte":  func() ([]byte, error) { return k.Open(tampered, []byte("row-1")) },
		"too short":     func() ([]byte, error) { return k.Open(sealed[:5], []byte("row-1")) },
	} {
		if _, err := open(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: want ErrOpen, got %v", name, err)
		}
	}
}

func TestMACDependsOnKey(t *testing.T) {
	a, b := Derive([]byte("a"), "fp"), Derive([]byte("b"), "fp")
	if bytes.Equal(a.MAC([]byte("body")), b.MAC([]byte("body"))) {
		t.Fatal("two keys give one MAC")
	}
	if !bytes.Equal(a.MAC([]byte("body")), a.MAC([]byte("body"))) {
		t.Fatal("the MAC is not deterministic")
	}
}
