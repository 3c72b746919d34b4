package auth

import (
	_ "embed"
	"errors"
	"strings"
	"sync"
	"unicode/utf8"
)

// MinPasswordLen is the fewest characters a new password may have (NIST SP 800-63B's
// minimum for passwords a user chooses).
const MinPasswordLen = 8

// Reasons CheckNewPassword refuses a password; their texts are shown to the user.
var (
	ErrPasswordTooShort   = errors.New("at least 8 characters")
	ErrPasswordLong       = errors.New("at most 1024 bytes")
	ErrPasswordCommon     = errors.New("this is one of the most common passwords; choose another")
	ErrPasswordIsUsername = errors.New("the password must not be the username")
)

// commonPasswords is every password of MinPasswordLen or more characters among the
// 47,023 most common ones of a leaked-password corpus, as zxcvbn ships them (see
// common-passwords.LICENSE), one per line, lower case.
//
//go:embed common-passwords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 16000)
	for _, pw := range strings.Split(strings.TrimSpace(commonPasswords), "\n") {
		m[pw] = struct{}{}
	}
	return m
})

// IsCommonPassword reports whether pw, ignoring case, is on the embedded list.
func IsCommonPassword(pw string) bool {
	_, ok := commonSet()[strings.ToLower(pw)]
	return ok
}

// CheckNewPassword says why pw may not be set as username's password, or nil. It
// applies where a password is chosen (a new user, the configured admin password), not at
// login: a password set before these rules still signs in.
func CheckNewPassword(pw, username string) error {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return ErrPasswordTooShort
	case len(pw) > MaxPasswordLen:
		return ErrPasswordLong
	case strings.EqualFold(pw, username):
		return ErrPasswordIsUsername
	case IsCommonPassword(pw):
		return ErrPasswordCommon
	}
	return nil
}
