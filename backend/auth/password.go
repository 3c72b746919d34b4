// Package auth holds Sluice's authentication primitives: password hashing (argon2id),
// session tokens (stored only as SHA-256 hashes) and a keyed login-attempt limiter.
// It knows nothing of HTTP or the database.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams is the OWASP minimum for argon2id (m=19 MiB, t=2, p=1) with a 16-byte salt
// and a 32-byte key. Each hash therefore allocates 19 MiB; see MaxConcurrentHashes.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds accepted when reading parameters back from a stored hash, so that a corrupt or
// hostile row cannot make one login allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB = 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
	// MaxPasswordLen caps the input to the hash (bytes); longer passwords are rejected.
	MaxPasswordLen = 1024
)

var (
	// ErrInvalidHash means the stored string is not a PHC argon2id hash this package can read.
	ErrInvalidHash = errors.New("auth: invalid argon2id hash")
	// ErrIncompatibleVersion means the hash was made by another argon2 version.
	ErrIncompatibleVersion = errors.New("auth: incompatible argon2 version")
	// ErrEmptyPassword is returned when hashing an empty password.
	ErrEmptyPassword = errors.New("auth: empty password")
	// ErrPasswordTooLong is returned when hashing a password longer than MaxPasswordLen.
	ErrPasswordTooLong = errors.New("auth: password too long")
)

// MaxConcurrentHashes is how many argon2id computations may run at once in this process
// (GOMAXPROCS at start, at most 4). Further callers wait: a burst of logins costs latency,
// not memory (each hash takes Params.Memory KiB).
var MaxConcurrentHashes = min(max(runtime.GOMAXPROCS(0), 1), 4)

var hashSem = make(chan struct{}, MaxConcurrentHashes)

var b64 = base64.RawStdEncoding // PHC strings use unpadded standard base64

// HashPassword hashes pw with argon2id and DefaultParams and returns a PHC string
// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
func HashPassword(pw string) (string, error) {
	return hashWith(pw, DefaultParams)
}

func hashWith(pw string, p Params) (string, error) {
	if pw == "" {
		return "", ErrEmptyPassword
	}
	if len(pw) > MaxPasswordLen {
		return "", ErrPasswordTooLong
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := derive(pw, salt, p)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// derive runs argon2id under the process-wide semaphore.
func derive(pw string, salt []byte, p Params) []byte {
	hashSem <- struct{}{}
	defer func() { <-hashSem }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// VerifyPassword reports whether pw matches the PHC argon2id string encoded. The cost
// parameters are read from the string. A mismatch is (false, nil); an unreadable hash is
// (false, ErrInvalidHash or ErrIncompatibleVersion). The comparison is constant-time.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, err
	}
	if pw == "" || len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := derive(pw, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when the user does not exist, so that "unknown user" and
// "wrong password" take the same time.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashWith("sluice-dummy-password", DefaultParams)
	if err != nil {
		panic(err)
	}
	return h
})

// DummyVerify spends the same work as VerifyPassword against a DefaultParams hash and
// always returns false. Call it when a login names an unknown or disabled user, so the
// response time does not reveal which usernames exist.
func DummyVerify(pw string) bool {
	_, _ = VerifyPassword(dummyHash(), pw)
	return false
}

// NeedsRehash reports whether encoded should be replaced by a fresh HashPassword after a
// successful login: it is unreadable, or weaker than DefaultParams.
func NeedsRehash(encoded string) bool {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return true
	}
	d := DefaultParams
	return p.Memory < d.Memory || p.Time < d.Time || p.Threads < d.Threads ||
		uint32(len(salt)) < d.SaltLen || uint32(len(key)) < d.KeyLen
}

// ParseHash returns the cost parameters stored in a PHC argon2id string.
func ParseHash(encoded string) (Params, error) {
	p, _, _, err := decode(encoded)
	return p, err
}

func decode(encoded string) (p Params, salt, key []byte, err error) {
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrInvalidHash
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return p, nil, nil, ErrInvalidHash
	}
	version, err := strconv.Atoi(v)
	if err != nil {
		return p, nil, nil, ErrInvalidHash
	}
	if version != argon2.Version {
		return p, nil, nil, ErrIncompatibleVersion
	}
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return p, nil, nil, ErrInvalidHash
		}
		n, err := strconv.ParseUint(val, 10, 32)
		if err != nil {
			return p, nil, nil, ErrInvalidHash
		}
		switch k {
		case "m":
			p.Memory, seen[0] = uint32(n), true
		case "t":
			p.Time, seen[1] = uint32(n), true
		case "p":
			if n > 255 {
				return p, nil, nil, ErrInvalidHash
			}
			p.Threads, seen[2] = uint8(n), true
		default:
			return p, nil, nil, ErrInvalidHash
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		return p, nil, nil, ErrInvalidHash
	}
	if p.Threads < 1 || p.Time < 1 || p.Time > maxTime ||
		p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory {
		return p, nil, nil, ErrInvalidHash
	}
	if salt, err = b64.Strict().DecodeString(parts[4]); err != nil {
		return p, nil, nil, ErrInvalidHash
	}
	if key, err = b64.Strict().DecodeString(parts[5]); err != nil {
		return p, nil, nil, ErrInvalidHash
	}
	if len(salt) < minSaltLen || len(salt) > maxSaltLen || len(key) < minKeyLen || len(key) > maxKeyLen {
		return p, nil, nil, ErrInvalidHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
