package seal

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func newKey(t *testing.T) (*Key, string) {
	t.Helper()
	raw := make([]byte, KeySize)
	rand.Read(raw)
	s := base64.StdEncoding.EncodeToString(raw)
	k, err := ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

func TestSealOpens(t *testing.T) {
	k, _ := newKey(t)
	s1, err := k.Seal("shop-secret-123456", "channel:shop")
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := k.Seal("shop-secret-123456", "channel:shop")
	if !Sealed(s1) || strings.Contains(s1, "shop-secret") || s1 == s2 {
		t.Fatalf("sealed %q, %q: want the prefix, no plain text, a fresh nonce each time", s1, s2)
	}
	if got, err := k.Open(s1, "channel:shop"); err != nil || got != "shop-secret-123456" {
		t.Fatalf("open = %q, %v", got, err)
	}
}

func TestOpenRefuses(t *testing.T) {
	k, _ := newKey(t)
	other, _ := newKey(t)
	s, _ := k.Seal("shop-secret-123456", "channel:shop")
	cases := map[string]func() (string, error){
		"another row": func() (string, error) { return k.Open(s, "channel:other") },
		"another key": func() (string, error) { return other.Open(s, "channel:shop") },
		"damaged":     func() (string, error) { return k.Open(s[:len(s)-4]+"AAAA", "channel:shop") },
		"not base64":  func() (string, error) { return k.Open(prefix+"!!", "channel:shop") },
		"no key":      func() (string, error) { return (*Key)(nil).Open(s, "channel:shop") },
		"short":       func() (string, error) { return k.Open(prefix+"AAAA", "channel:shop") },
	}
	for name, open := range cases {
		if got, err := open(); err == nil || got != "" {
			t.Errorf("%s: opened to %q", name, got)
		}
	}
	if _, err := (*Key)(nil).Open(s, "channel:shop"); !errors.Is(err, ErrNoKey) {
		t.Errorf("no key: %v", err)
	}
}

// A value stored before sealing, or with no key, reads as it is; no key seals nothing.
func TestPlainValues(t *testing.T) {
	k, _ := newKey(t)
	if got, err := k.Open("legacy-secret-123456", "channel:shop"); err != nil || got != "legacy-secret-123456" {
		t.Fatalf("legacy value: %q %v", got, err)
	}
	var none *Key
	if s, err := none.Seal("x-secret-123456789", "c"); err != nil || s != "x-secret-123456789" {
		t.Fatalf("no key sealed to %q %v", s, err)
	}
}

func TestParseKey(t *testing.T) {
	_, s := newKey(t)
	raw, _ := base64.StdEncoding.DecodeString(s)
	for _, ok := range []string{s, base64.RawStdEncoding.EncodeToString(raw), base64.URLEncoding.EncodeToString(raw), " " + s + "\n"} {
		if _, err := ParseKey(ok); err != nil {
			t.Errorf("ParseKey(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "short", base64.StdEncoding.EncodeToString(raw[:16]), strings.Repeat("é", 32)} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q): no error", bad)
		}
	}
}

// A rotating key opens what the previous one sealed and says those need re-sealing; what
// it seals itself opens without the previous key.
func TestRotation(t *testing.T) {
	old, _ := newKey(t)
	cur, _ := newKey(t)
	rot := cur.Rotating(old)
	byOld, _ := old.Seal("shop-secret-123456", "channel:shop")
	if got, err := rot.Open(byOld, "channel:shop"); err != nil || got != "shop-secret-123456" {
		t.Fatalf("rotating key on the old value: %q %v", got, err)
	}
	if rot.Current(byOld, "channel:shop") {
		t.Fatal("a value sealed with the previous key counts as current")
	}
	byNew, _ := rot.Seal("shop-secret-123456", "channel:shop")
	if !rot.Current(byNew, "channel:shop") || rot.Current("plain-value-123456", "channel:shop") {
		t.Fatal("Current is wrong for a new or a plain value")
	}
	if _, err := old.Open(byNew, "channel:shop"); err == nil {
		t.Fatal("the previous key opens what the new one sealed")
	}
	if got, err := cur.Open(byNew, "channel:shop"); err != nil || got != "shop-secret-123456" {
		t.Fatalf("the new key alone: %q %v", got, err)
	}
}
