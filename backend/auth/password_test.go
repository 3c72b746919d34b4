package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// cheap keeps most tests fast (especially under -race); DefaultParams is covered separately.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordDefaultFormat(t *testing.T) {
	enc, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected PHC prefix: %s", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 {
		t.Fatalf("want 6 $-fields, got %d: %s", len(parts), enc)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) != 16 {
		t.Fatalf("salt: len %d err %v", len(salt), err)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) != 32 {
		t.Fatalf("key: len %d err %v", len(key), err)
	}
	p, err := ParseHash(enc)
	if err != nil {
		t.Fatal(err)
	}
	if p != DefaultParams {
		t.Fatalf("ParseHash = %+v, want %+v", p, DefaultParams)
	}
	if NeedsRehash(enc) {
		t.Fatal("fresh default hash should not need rehash")
	}
	ok, err := VerifyPassword(enc, "correct horse battery staple")
	if err != nil || !ok {
		t.Fatalf("verify own hash: ok=%v err=%v", ok, err)
	}
	ok, err = VerifyPassword(enc, "correct horse battery stapler")
	if err != nil || ok {
		t.Fatalf("verify wrong password: ok=%v err=%v", ok, err)
	}
	// Same password, different salt.
	enc2, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if enc2 == enc {
		t.Fatal("two hashes of the same password are identical: salt not random")
	}
}

func TestVerifyPassword(t *testing.T) {
	const pw = "s3cret-密碼"
	enc, err := hashWith(pw, cheap)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	flip := func(s string) string { // change one character of a base64 field
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	join := func(p ...string) string { return strings.Join(p, "$") }

	tests := []struct {
		name    string
		encoded string
		pw      string
		want    bool
		wantErr error
	}{
		{"round trip", enc, pw, true, nil},
		{"wrong password", enc, pw + "x", false, nil},
		{"empty password", enc, "", false, nil},
		{"case differs", enc, strings.ToUpper(pw), false, nil},
		{"tampered hash", join(parts[0], parts[1], parts[2], parts[3], parts[4], flip(parts[5])), pw, false, nil},
		{"tampered salt", join(parts[0], parts[1], parts[2], parts[3], flip(parts[4]), parts[5]), pw, false, nil},
		{"tampered params", join(parts[0], parts[1], parts[2], "m=65,t=1,p=1", parts[4], parts[5]), pw, false, nil},
		{"argon2i", join(parts[0], "argon2i", parts[2], parts[3], parts[4], parts[5]), pw, false, ErrInvalidHash},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", pw, false, ErrInvalidHash},
		{"empty", "", pw, false, ErrInvalidHash},
		{"version", join(parts[0], parts[1], "v=16", parts[3], parts[4], parts[5]), pw, false, ErrIncompatibleVersion},
		{"missing t", join(parts[0], parts[1], parts[2], "m=64,p=1", parts[4], parts[5]), pw, false, ErrInvalidHash},
		{"unknown param", join(parts[0], parts[1], parts[2], "m=64,t=1,p=1,x=2", parts[4], parts[5]), pw, false, ErrInvalidHash},
		{"huge memory", join(parts[0], parts[1], parts[2], "m=4000000000,t=1,p=1", parts[4], parts[5]), pw, false, ErrInvalidHash},
		{"zero threads", join(parts[0], parts[1], parts[2], "m=64,t=1,p=0", parts[4], parts[5]), pw, false, ErrInvalidHash},
		{"bad base64", join(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]+"!"), pw, false, ErrInvalidHash},
		{"padded base64", join(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]+"="), pw, false, ErrInvalidHash},
		{"short key", join(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5][:8]), pw, false, ErrInvalidHash},
		{"extra field", enc + "$x", pw, false, ErrInvalidHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := VerifyPassword(tc.encoded, tc.pw)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Fatalf("VerifyPassword = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseHash(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString(make([]byte, 16))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	tests := []struct {
		params string
		want   Params
		rehash bool
	}{
		{"m=19456,t=2,p=1", Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}, false},
		{"t=3,p=2,m=65536", Params{Memory: 65536, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}, false},
		{"m=4096,t=3,p=1", Params{Memory: 4096, Time: 3, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"m=19456,t=1,p=1", Params{Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
	}
	for _, tc := range tests {
		t.Run(tc.params, func(t *testing.T) {
			enc := fmt.Sprintf("$argon2id$v=19$%s$%s$%s", tc.params, salt, key)
			got, err := ParseHash(enc)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("ParseHash = %+v, want %+v", got, tc.want)
			}
			if NeedsRehash(enc) != tc.rehash {
				t.Fatalf("NeedsRehash = %v, want %v", !tc.rehash, tc.rehash)
			}
		})
	}
	if !NeedsRehash("garbage") {
		t.Fatal("unreadable hash should need rehash")
	}
}

// The parameters in the string, not DefaultParams, drive verification.
func TestVerifyUsesStoredParams(t *testing.T) {
	p := Params{Memory: 128, Time: 3, Threads: 2, SaltLen: 8, KeyLen: 16}
	enc, err := hashWith("pw", p)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := ParseHash(enc); got != p {
		t.Fatalf("ParseHash = %+v, want %+v", got, p)
	}
	if ok, err := VerifyPassword(enc, "pw"); !ok || err != nil {
		t.Fatalf("verify: ok=%v err=%v", ok, err)
	}
}

func TestHashPasswordRejects(t *testing.T) {
	if _, err := HashPassword(""); !errors.Is(err, ErrEmptyPassword) {
		t.Fatalf("empty: err = %v", err)
	}
	if _, err := HashPassword(strings.Repeat("a", MaxPasswordLen+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Fatalf("long: err = %v", err)
	}
}

func TestDummyVerify(t *testing.T) {
	if DummyVerify("sluice-dummy-password") {
		t.Fatal("DummyVerify must always be false")
	}
}

// The semaphore bounds concurrent argon2 computations: with every slot taken, a hash waits.
func TestHashSemaphoreBlocks(t *testing.T) {
	for range cap(hashSem) {
		hashSem <- struct{}{}
	}
	done := make(chan error, 1)
	go func() {
		_, err := hashWith("pw", cheap)
		done <- err
	}()
	select {
	case <-done:
		t.Fatal("hash ran although every semaphore slot was taken")
	case <-time.After(100 * time.Millisecond):
	}
	<-hashSem // free one slot
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("hash did not proceed after a slot was freed")
	}
	for range cap(hashSem) - 1 {
		<-hashSem
	}
}

func TestHashConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			pw := fmt.Sprintf("password-%d", i)
			enc, err := hashWith(pw, cheap)
			if err != nil {
				errs <- err
				return
			}
			if ok, err := VerifyPassword(enc, pw); !ok || err != nil {
				errs <- fmt.Errorf("%s: ok=%v err=%v", pw, ok, err)
			}
			if ok, _ := VerifyPassword(enc, pw+"!"); ok {
				errs <- fmt.Errorf("%s: wrong password accepted", pw)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(hashSem) != 0 {
		t.Fatalf("semaphore leaked %d slots", len(hashSem))
	}
}

func TestCheckNewPassword(t *testing.T) {
	tests := []struct {
		pw, user string
		want     error
	}{
		{"password", "alice", ErrPasswordCommon},
		{"PassWord1", "alice", ErrPasswordCommon}, // case does not help
		{"iloveyou", "alice", ErrPasswordCommon},
		{"12345678", "alice", ErrPasswordCommon},
		{"short", "alice", ErrPasswordTooShort},
		{"密碼密碼密碼", "alice", ErrPasswordTooShort}, // characters, not bytes
		{strings.Repeat("x", MaxPasswordLen+1), "alice", ErrPasswordLong},
		{"alice-the-admin", "alice-the-admin", ErrPasswordIsUsername},
		{"sluice-demo", "clerk", nil},    // the demo users' password
		{"admin-pass-123", "admin", nil}, // the tests' admin password
		{"密碼密碼密碼密碼", "alice", nil},
		{"correct horse battery staple", "alice", nil},
	}
	for _, tc := range tests {
		if got := CheckNewPassword(tc.pw, tc.user); !errors.Is(got, tc.want) {
			t.Errorf("CheckNewPassword(%.20q, %q) = %v, want %v", tc.pw, tc.user, got, tc.want)
		}
	}
	if n := len(commonSet()); n < 10000 {
		t.Fatalf("only %d common passwords loaded", n)
	}
}
