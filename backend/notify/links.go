package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/actionlink"
	"sluice/backend/service"
)

// TypeLinkInvalid is the problem type of a link that is not one this server signed
// (mistyped, cut short, tampered with) or whose record is gone; TypeLinkExpired of one
// past its time. A link used, or whose task moved, answers service.TypeTaskChanged.
const (
	TypeLinkInvalid = "urn:sluice:problem:link-invalid"
	TypeLinkExpired = "urn:sluice:problem:link-expired"
)

// claims are what a link's token carries, signed: the link's record, the task, the
// person and the task's version it was made for, and when it expires.
type claims struct {
	Link    int    `json:"l"`
	Task    int    `json:"t"`
	User    string `json:"u"`
	Version int    `json:"v"`
	Expires int64  `json:"e"`
}

// sign makes a token: the claims in base64url, a dot, and their HMAC-SHA256 under key.
func sign(key []byte, c claims) string {
	p := base64.RawURLEncoding.EncodeToString(mustJSON(c))
	return p + "." + base64.RawURLEncoding.EncodeToString(mac(key, p))
}

func mac(key []byte, payload string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

func invalidLink() *service.Error {
	e := service.Refuse(http.StatusNotFound, "problem.link.invalid", nil)
	e.Type = TypeLinkInvalid
	return e
}

// verify reads a token's claims if key signed them.
func verify(key []byte, token string) (claims, error) {
	var c claims
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(key) == 0 || len(token) > 1024 {
		return c, invalidLink()
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac(key, p)) {
		return c, invalidLink()
	}
	raw, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.Link == 0 || c.Task == 0 {
		return c, invalidLink()
	}
	return c, nil
}

// issue records a link for task t, person u and channel c, and returns its token.
func (n *Notify) issue(ctx context.Context, tx *ent.Tx, at time.Time, t *ent.Task, username string, c *ent.NotifyChannel) (string, error) {
	exp := at.Add(n.ttl()).Truncate(time.Second)
	l, err := tx.ActionLink.Create().SetTaskID(t.ID).SetUsername(username).SetTaskVersion(t.Version).SetChannel(c.Type).
		SetChannelID(c.ID).SetExpiresAt(exp).SetCreatedAt(at).Save(ctx)
	if err != nil {
		return "", err
	}
	return sign(n.LinkKey, claims{Link: l.ID, Task: t.ID, User: username, Version: t.Version, Expires: exp.Unix()}), nil
}

// LinkView is what a link opens: the order as the person may see it, the task the link
// decides, and the link's terms.
type LinkView struct {
	Order     service.OrderView `json:"order"`
	Task      service.TaskView  `json:"task"`
	Channel   string            `json:"channel"`
	ExpiresAt time.Time         `json:"expires_at"`
	// Actions are the decisions the link offers.
	Actions []string `json:"actions"`
}

// LinkDecision is the body of a decision taken through a link.
type LinkDecision struct {
	Action    string `json:"action" max:"16"` // approve | reject
	Reason    string `json:"reason,omitempty" max:"2000"`
	Comment   string `json:"comment,omitempty" max:"2000"`
	Checklist []bool `json:"checklist,omitempty" max:"200"`
}

// linkActions are the decisions a link may carry.
var linkActions = []string{engine.ActApprove, engine.ActReject}

// open checks a token for a: signed by this server, a's own, not expired, on record
// and not used. It answers the link's record.
func (n *Notify) open(ctx context.Context, a service.Actor, token string) (*ent.ActionLink, error) {
	c, err := verify(n.LinkKey, token)
	if err != nil {
		return nil, err
	}
	if c.User != a.Username {
		// signed in as someone else: the link was sent to another person
		return nil, service.Refuse(http.StatusForbidden, "problem.link.not_yours", nil)
	}
	l, err := n.Store.Read.ActionLink.Get(ctx, c.Link)
	if ent.IsNotFound(err) {
		return nil, invalidLink()
	}
	if err != nil {
		return nil, err
	}
	if l.TaskID != c.Task || l.Username != c.User || l.TaskVersion != c.Version || l.ExpiresAt.Unix() != c.Expires {
		return nil, invalidLink()
	}
	if !n.now().Before(l.ExpiresAt) {
		e := service.Refuse(http.StatusGone, "problem.link.expired", nil)
		e.Type = TypeLinkExpired
		return nil, e
	}
	if l.UsedAt != nil {
		return nil, service.TaskChanged(service.TaskDecided, "problem.link.used", nil)
	}
	return l, nil
}

// OpenLink answers what a link decides, after the checks its use will make: the link's
// (open), then the order's read permission, the task still open at the link's
// version, and a's right to decide it (Casbin, through the order view's can_act).
func (n *Notify) OpenLink(ctx context.Context, a service.Actor, token string) (*LinkView, error) {
	l, err := n.open(ctx, a, token)
	if err != nil {
		return nil, err
	}
	t, err := n.Store.Read.Task.Get(ctx, l.TaskID)
	if ent.IsNotFound(err) {
		return nil, invalidLink()
	}
	if err != nil {
		return nil, err
	}
	o, err := n.GetOrder(ctx, a, t.OrderID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(o.Tasks, func(v service.TaskView) bool { return v.ID == t.ID })
	switch {
	case t.Status == "done":
		return nil, service.TaskChanged(service.TaskDecided, "problem.task.decided_by", map[string]any{"Decision": t.Decision, "By": t.DecidedBy})
	case t.Status != "open":
		return nil, service.TaskChanged(service.TaskCancelled, "problem.task.status", map[string]any{"Status": t.Status})
	case i < 0 || !o.Tasks[i].CanAct:
		return nil, service.Refuse(http.StatusForbidden, "problem.link.may_not_decide", nil)
	case t.Version != l.TaskVersion:
		return nil, service.TaskChanged(service.TaskMoved, "problem.task.changed_since_message", nil)
	}
	return &LinkView{Order: *o, Task: o.Tasks[i], Channel: l.Channel, ExpiresAt: l.ExpiresAt.UTC(), Actions: linkActions}, nil
}

// DecideByLink takes a decision through a link: the link's checks, then the action's
// own (Casbin, the task's state and version, the node's checklist and reasons) in one
// transaction that also marks the link used, so it works once and a refusal changes
// nothing. The audit entry records the link and its channel.
func (n *Notify) DecideByLink(ctx context.Context, a service.Actor, token string, d LinkDecision) (*service.ActionResult, error) {
	if !slices.Contains(linkActions, d.Action) {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.unsupported_action", nil, service.FieldErr("/action", "link.action", nil))
	}
	l, err := n.open(ctx, a, token)
	if err != nil {
		return nil, err
	}
	now := n.now()
	claim := func(ctx context.Context, tx *ent.Tx) error {
		k, err := tx.ActionLink.Update().Where(actionlink.ID(l.ID), actionlink.UsedAtIsNil(), actionlink.ExpiresAtGT(now)).
			SetUsedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if k == 0 {
			return service.TaskChanged(service.TaskDecided, "problem.link.used", nil)
		}
		return nil
	}
	req := service.ActionRequest{Action: d.Action, Reason: d.Reason, Comment: d.Comment, Checklist: d.Checklist}
	return n.ActVia(ctx, a, l.TaskID, req, service.Via{Version: l.TaskVersion, Claim: claim,
		Detail: map[string]any{"source": "message_link", "link": l.ID, "channel": l.Channel, "channel_id": l.ChannelID}})
}
