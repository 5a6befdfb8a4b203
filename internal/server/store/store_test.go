package store

import (
	"context"
	"strings"
	"testing"
)

// A store spec may carry a password; no error of Open repeats it.
func TestOpenNeverEchoesPassword(t *testing.T) {
	const password = "hunter2-S3CRET"
	for _, spec := range []string{
		"mysql://app:" + password + "@db.example.com/pgcloud",
		"host=db.example.com password=" + password + " user=app:x",
		"app:" + password + "@db.example.com/pgcloud",
		"password=" + password,
		"sqlite:",
	} {
		_, err := Open(context.Background(), spec)
		if err == nil {
			t.Errorf("Open(%q) worked", spec)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("Open's error shows the password: %v", err)
		}
	}
}
