package service

import (
	"net/http"
	"time"

	"sluice/backend/durations"
	"sluice/backend/engine"
)

// freshEnough refuses an approval at a node that demands a fresh sign-in for an order
// of this total when a's password was not entered recently enough. The check reads
// only the session, so a refusal happens before anything is written.
func (s *Service) freshEnough(a Actor, n *engine.NodeDoc, total float64) error {
	if n == nil || n.FreshSignIn == nil || total <= n.FreshSignIn.Above {
		return nil
	}
	within := FreshWithin(n.FreshSignIn)
	if !a.SignedInAt.IsZero() && time.Since(a.SignedInAt) <= within {
		return nil
	}
	return &Error{Status: http.StatusForbidden, Type: TypeReauthRequired, WithinMinutes: int(within / time.Minute),
		Detail: "approving an order of this amount here needs a recent sign-in: enter your password again"}
}

// FreshWithin is a node's fresh sign-in window (the definition's, checked when it was
// published; else engine.DefaultFreshWithin).
func FreshWithin(f *engine.FreshSignIn) time.Duration {
	if f != nil && f.Within != "" {
		if d, err := durations.Span(f.Within); err == nil && d > 0 {
			return d
		}
	}
	d, _ := durations.Span(engine.DefaultFreshWithin)
	return d
}
