package inbound

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/channel"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/intake"
	"sluice/backend/service"
	"sluice/backend/store"
)

// SignatureTolerance is how far a webhook's timestamp may be from the server's clock; it
// bounds how long a captured request can be replayed.
const SignatureTolerance = 5 * time.Minute

// minChannelSecret is the shortest secret a channel may share with its shop, in bytes.
const minChannelSecret = 16

// secretMask is what a channel's secret reads as: it is write-only.
const secretMask = "*****"

// ChannelInput creates or changes a channel.
type ChannelInput struct {
	Key        string          `json:"key,omitempty" max:"64"`
	Name       string          `json:"name,omitempty" max:"200"`
	Flow       string          `json:"flow" max:"100"`
	Department string          `json:"department" max:"64"`
	Submitter  string          `json:"submitter" max:"64"`
	Secret     string          `json:"secret,omitempty" max:"256"`
	Mapping    json.RawMessage `json:"mapping"`
	Enabled    *bool           `json:"enabled,omitempty"`
}

// ChannelView is a channel as the API shows it; the secret is always masked.
type ChannelView struct {
	Key        string          `json:"key"`
	Name       string          `json:"name"`
	Flow       string          `json:"flow"`
	Department string          `json:"department"`
	Submitter  string          `json:"submitter"`
	Secret     string          `json:"secret"`
	Mapping    json.RawMessage `json:"mapping"`
	Enabled    bool            `json:"enabled"`
	CreatedAt  time.Time       `json:"created_at"`
}

func channelView(c *ent.Channel) ChannelView {
	return ChannelView{Key: c.Key, Name: c.Name, Flow: c.FlowKey, Department: c.Department, Submitter: c.Submitter,
		Secret: secretMask, Mapping: c.Mapping, Enabled: c.Enabled, CreatedAt: c.CreatedAt}
}

// mayManageChannels: a channel submits orders as the user it names, so configuring one
// is a people administrator's decision.
func (s *Inbound) mayManageChannels(a service.Actor) error {
	if !s.CanCompanyWide(a, "users.manage") {
		return service.Refuse(http.StatusForbidden, "problem.forbidden.manage_channels", nil)
	}
	return nil
}

// ListChannels lists every channel.
func (s *Inbound) ListChannels(ctx context.Context, a service.Actor) ([]ChannelView, error) {
	if err := s.mayManageChannels(a); err != nil {
		return nil, err
	}
	cs, err := s.Store.Read.Channel.Query().Order(ent.Asc(channel.FieldKey)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ChannelView, len(cs))
	for i, c := range cs {
		out[i] = channelView(c)
	}
	return out, nil
}

// checkChannel validates a channel's settings against the flow's form and the people it
// names: a 422 with every problem found, or a failure reading them. creating says whether
// the secret is required.
func (s *Inbound) checkChannel(ctx context.Context, in ChannelInput, creating bool) error {
	var errs []service.FieldError
	if !service.KeyPattern.MatchString(in.Key) {
		errs = append(errs, service.FieldErr("/key", "key.pattern", nil))
	}
	if (creating || in.Secret != "") && len(in.Secret) < minChannelSecret {
		errs = append(errs, service.FieldErr("/secret", "channel.secret_short", i18n.Params{"Min": minChannelSecret}))
	}
	_, sch, computed, err := s.intakeForm(ctx, in.Flow, "/flow")
	if e, ok := service.AsError(err); ok {
		errs = append(errs, e.Errors...)
	} else if err != nil {
		return err
	} else {
		var m intake.PayloadMapping
		if len(in.Mapping) == 0 || string(in.Mapping) == "null" {
			errs = append(errs, service.FieldErr("/mapping", "channel.mapping_required", nil))
		} else if p := intake.DecodeStrict(in.Mapping, &m); p != nil {
			errs = append(errs, mappingProblems("/mapping", []intake.Problem{*p})...)
		} else {
			errs = append(errs, mappingProblems("/mapping", m.Validate(sch, computed))...)
		}
	}
	ok, err := s.Store.Read.Department.Query().Where(department.Key(in.Department)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		errs = append(errs, service.FieldErr("/department", "department.unknown", i18n.Params{"Key": in.Department}))
	}
	u, err := s.Store.Read.User.Query().Where(user.Username(in.Submitter)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		errs = append(errs, service.FieldErr("/submitter", "user.unknown", i18n.Params{"User": in.Submitter}))
	case err != nil:
		return err
	case u.Disabled:
		errs = append(errs, service.FieldErr("/submitter", "user.disabled", nil))
	case ok && !s.Can(service.Actor{ID: u.ID, Username: u.Username}, in.Department, "orders", "create"):
		errs = append(errs, service.FieldErr("/submitter", "channel.submitter_may_not_submit", i18n.Params{"User": u.Username, "Department": in.Department}))
	}
	if len(errs) > 0 {
		return service.Refuse(http.StatusUnprocessableEntity, "problem.channel_invalid", nil, errs...)
	}
	return nil
}

// CreateChannel adds a channel.
func (s *Inbound) CreateChannel(ctx context.Context, a service.Actor, in ChannelInput) (*ChannelView, error) {
	if err := s.mayManageChannels(a); err != nil {
		return nil, err
	}
	if err := s.checkChannel(ctx, in, true); err != nil {
		return nil, err
	}
	var view ChannelView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if ok, err := tx.Channel.Query().Where(channel.Key(in.Key)).Exist(ctx); err != nil || ok {
			if ok {
				return service.Refuse(http.StatusConflict, "problem.channel_exists", i18n.Params{"Channel": in.Key})
			}
			return err
		}
		secret, err := s.Secrets.Seal(in.Secret, channelSeal(in.Key))
		if err != nil {
			return err
		}
		c, err := tx.Channel.Create().SetKey(in.Key).SetName(in.Name).SetFlowKey(in.Flow).SetDepartment(in.Department).
			SetSubmitter(in.Submitter).SetSecret(secret).SetMapping(in.Mapping).SetEnabled(in.Enabled == nil || *in.Enabled).
			SetCreatedAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		view = channelView(c)
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "channel.created", Detail: map[string]any{"channel": in.Key, "flow": in.Flow}})
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// UpdateChannel replaces a channel's settings; an empty secret keeps the current one.
func (s *Inbound) UpdateChannel(ctx context.Context, a service.Actor, key string, in ChannelInput) (*ChannelView, error) {
	if err := s.mayManageChannels(a); err != nil {
		return nil, err
	}
	if in.Key != "" && in.Key != key {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.key_immutable", nil, service.FieldErr("/key", "key.immutable", nil))
	}
	in.Key = key
	if _, err := s.Store.Read.Channel.Query().Where(channel.Key(key)).Only(ctx); ent.IsNotFound(err) {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.channel", nil)
	} else if err != nil {
		return nil, err
	}
	if err := s.checkChannel(ctx, in, false); err != nil {
		return nil, err
	}
	var view ChannelView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		c, err := tx.Channel.Query().Where(channel.Key(key)).Only(ctx)
		if err != nil {
			return err
		}
		u := c.Update().SetName(in.Name).SetFlowKey(in.Flow).SetDepartment(in.Department).
			SetSubmitter(in.Submitter).SetMapping(in.Mapping)
		if in.Enabled != nil {
			u.SetEnabled(*in.Enabled)
		}
		if in.Secret != "" {
			secret, err := s.Secrets.Seal(in.Secret, channelSeal(key))
			if err != nil {
				return err
			}
			u.SetSecret(secret)
		}
		if c, err = u.Save(ctx); err != nil {
			return err
		}
		view = channelView(c)
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "channel.updated",
			Detail: map[string]any{"channel": key, "flow": in.Flow, "secret_changed": in.Secret != ""}})
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// Sign is the signature a shop sends for body at timestamp ts (unix seconds):
// "sha256=" + hex(HMAC-SHA256(secret, ts + "." + body)). The timestamp is inside the MAC
// so an old request cannot be replayed with a fresh header.
func Sign(secret string, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Webhook is a signed order from a channel, as received.
type Webhook struct {
	Channel   string
	Timestamp string // X-Sluice-Timestamp
	Signature string // X-Sluice-Signature
	Body      []byte
	RequestID string
}

// ReceiveOrder authenticates a webhook by its signature alone and submits the order it
// carries as the channel's submitter. A re-sent webhook finds the order the first made
// (OrderView.Existing). Every refusal writes nothing.
func (s *Inbound) ReceiveOrder(ctx context.Context, w Webhook, now time.Time) (*service.OrderView, error) {
	c, err := s.Store.Read.Channel.Query().Where(channel.Key(w.Channel)).Only(ctx)
	if ent.IsNotFound(err) {
		// Same answer as a bad signature: the endpoint does not say which channels exist.
		return nil, service.Refuse(http.StatusUnauthorized, "problem.webhook.bad_signature", nil)
	}
	if err != nil {
		return nil, err
	}
	if w.Timestamp == "" || w.Signature == "" {
		return nil, service.Refuse(http.StatusUnauthorized, "problem.webhook.unsigned", nil)
	}
	sec, err := strconv.ParseInt(w.Timestamp, 10, 64)
	if err != nil {
		return nil, service.Refuse(http.StatusUnauthorized, "problem.webhook.timestamp_format", nil)
	}
	if d := now.Sub(time.Unix(sec, 0)); d > SignatureTolerance || d < -SignatureTolerance {
		return nil, service.Refuse(http.StatusUnauthorized, "problem.webhook.timestamp_skew", i18n.Params{"Minutes": int(SignatureTolerance / time.Minute)})
	}
	secret, err := s.Secrets.Open(c.Secret, channelSeal(c.Key))
	if err != nil {
		// the server's configuration, not the sender: say so to both
		s.Log.Error("webhook: the channel's secret does not open", "channel", c.Key, "err", err)
		return nil, service.Refuse(http.StatusServiceUnavailable, "problem.webhook.secret_unreadable", nil)
	}
	want := Sign(secret, w.Timestamp, w.Body)
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(w.Signature))) {
		return nil, service.Refuse(http.StatusUnauthorized, "problem.webhook.bad_signature", nil)
	}
	if !c.Enabled {
		return nil, service.Refuse(http.StatusForbidden, "problem.channel_disabled", i18n.Params{"Channel": c.Key})
	}
	// What the request bodies of the API may not hold, a shop's may not either.
	if e := service.ScanJSONUpTo(w.Body, math.MaxFloat64); e != nil {
		return nil, e
	}
	dec := json.NewDecoder(bytes.NewReader(w.Body))
	dec.UseNumber() // shop order ids can exceed what a float64 holds exactly
	var payload any
	if err := dec.Decode(&payload); err != nil || dec.More() {
		return nil, service.Refuse(http.StatusBadRequest, "problem.webhook.not_one_json", nil)
	}
	var m intake.PayloadMapping
	if p := intake.DecodeStrict(c.Mapping, &m); p != nil {
		return nil, fmt.Errorf("channel %s: stored mapping unreadable: %s", c.Key, p)
	}
	_, sch, _, err := s.intakeForm(ctx, c.FlowKey, "")
	if err != nil {
		return nil, err
	}
	mapped, ps := m.Apply(sch, payload)
	if len(ps) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.webhook.payload_mismatch", nil, mappingProblems("", ps)...)
	}
	u, err := s.Store.Read.User.Query().Where(user.Username(c.Submitter)).Only(ctx)
	if ent.IsNotFound(err) || (err == nil && u.Disabled) {
		return nil, service.Refuse(http.StatusServiceUnavailable, "problem.channel_no_submitter", i18n.Params{"Channel": c.Key})
	}
	if err != nil {
		return nil, err
	}
	a := service.Actor{ID: u.ID, Username: u.Username, RequestID: w.RequestID}
	req := service.SubmitRequest{Flow: c.FlowKey, Data: mapped.Data, Department: c.Department, Source: c.Key, ExternalRef: mapped.Ref}
	v, _, err := s.Submit(ctx, a, req, nil)
	if ent.IsConstraintError(err) {
		// Two deliveries of the same order at once: the loser finds the winner's order.
		v, _, err = s.Submit(ctx, a, req, nil)
	}
	if e, ok := service.AsError(err); ok && e.Status == http.StatusUnprocessableEntity {
		// The form's pointers (/data/items/0/qty) are put back into the shop's payload.
		out := &service.Error{Status: e.Status, Detail: e.Detail, Key: e.Key, Params: e.Params}
		for _, fe := range e.Errors {
			p := mapped.Locate(fe.Pointer)
			if p == "" {
				// Nothing in the payload feeds this field: name the form's field instead,
				// around the field's own message (kept as data, read in the request's language).
				var reason any = fe.Message
				if fe.Code != "" && i18n.Has("field."+fe.Code) {
					reason = i18n.M("field."+fe.Code, fe.Params)
				}
				out.Errors = append(out.Errors, service.FieldErr("", "channel.field_unmapped", i18n.Params{"Reason": reason, "Field": fe.Pointer}))
				continue
			}
			fe.Pointer = p
			out.Errors = append(out.Errors, fe)
		}
		return nil, out
	}
	return v, err
}

// channelSeal is what a channel's sealed secret is bound to (seal.Key.Seal's context).
func channelSeal(key string) string { return "channel:" + key }

// SealSecrets seals the channel secrets still stored as given (from before secrets.key was
// set, or from the demo seed) or sealed with the previous key, and reports how many, and
// the channels whose secret opens with neither key (their webhooks answer 503 until an
// administrator sets the secret again); without a key it does nothing.
func (s *Inbound) SealSecrets(ctx context.Context) (sealed int, unreadable []string, err error) {
	if s.Secrets == nil {
		return 0, nil, nil
	}
	err = s.Store.Tx(ctx, func(tx *ent.Tx) error {
		sealed, unreadable = 0, nil // Store.Tx may run this again after a lost connection
		cs, err := tx.Channel.Query().All(ctx)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if s.Secrets.Current(c.Secret, channelSeal(c.Key)) {
				continue
			}
			plain, err := s.Secrets.Open(c.Secret, channelSeal(c.Key))
			if err != nil {
				unreadable = append(unreadable, c.Key)
				continue
			}
			v, err := s.Secrets.Seal(plain, channelSeal(c.Key))
			if err != nil {
				return err
			}
			if err := c.Update().SetSecret(v).Exec(ctx); err != nil {
				return err
			}
			sealed++
		}
		return nil
	})
	return sealed, unreadable, err
}
