package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// TokenBytes is the entropy of a session or API token.
const TokenBytes = 32

// NewToken returns a fresh random token (32 bytes, unpadded base64url, 43 characters) for
// the client and its hash (HashToken) for the database. Only the hash is ever stored.
func NewToken() (token string, hash string) {
	b := make([]byte, TokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken returns the lowercase hex SHA-256 of token, the form in which tokens are stored
// and looked up. A plain hash suffices: tokens carry 256 bits of entropy, so neither salt
// nor a slow hash is needed, and looking up by hash avoids timing leaks of a string compare.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
