package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"testing"
)

func TestNewToken(t *testing.T) {
	hexRe := regexp.MustCompile(`^[0-9a-f]{64}$`)
	seen := map[string]bool{}
	for range 100 {
		tok, hash := NewToken()
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) != 32 {
			t.Fatalf("token %q: %d bytes, err %v", tok, len(raw), err)
		}
		if len(tok) != 43 {
			t.Fatalf("token length %d, want 43", len(tok))
		}
		if !hexRe.MatchString(hash) {
			t.Fatalf("hash %q is not lowercase hex SHA-256", hash)
		}
		if hash != HashToken(tok) {
			t.Fatal("NewToken hash differs from HashToken(token)")
		}
		if hash == tok {
			t.Fatal("hash equals token")
		}
		if seen[tok] {
			t.Fatal("duplicate token")
		}
		seen[tok] = true
	}
}

func TestHashToken(t *testing.T) {
	for _, tok := range []string{"", "abc", "x-y_z"} {
		sum := sha256.Sum256([]byte(tok))
		if got, want := HashToken(tok), hex.EncodeToString(sum[:]); got != want {
			t.Errorf("HashToken(%q) = %s, want %s", tok, got, want)
		}
	}
	if HashToken("a") == HashToken("b") {
		t.Fatal("different tokens, same hash")
	}
}
