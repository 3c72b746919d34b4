package notify

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/ent"
	"sluice/backend/ent/notifychannel"
	"sluice/backend/ent/notifypref"
	"sluice/backend/i18n"
	"sluice/backend/outbox"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Bounds on how many channels there are, so the channel list stays one short page.
const (
	MaxOwnChannels     = 10
	MaxCompanyChannels = 30
)

// ChannelInput creates or changes a channel.
type ChannelInput struct {
	// Company makes it the company's (admins, users.manage); otherwise it is the
	// caller's own. Fixed at creation.
	Company bool   `json:"company,omitempty"`
	Type    string `json:"type" max:"16"`
	Name    string `json:"name,omitempty" max:"100"`
	Address string `json:"address,omitempty" max:"2000"`
	To      string `json:"to,omitempty" max:"100"`
	// Secret is DingTalk's signing secret or LINE's channel access token; write-only,
	// omitted on a change to keep the one stored.
	Secret  string   `json:"secret,omitempty" max:"1000"`
	Kinds   []string `json:"kinds" max:"5"`
	Enabled *bool    `json:"enabled,omitempty"`
}

// ChannelView is a channel as the API shows it (never its secret).
type ChannelView struct {
	ID        int    `json:"id"`
	Company   bool   `json:"company"`
	Type      string `json:"type"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	To        string `json:"to"`
	HasSecret bool   `json:"has_secret"`
	// Kinds are the kinds the channel gets: a company channel's default.
	Kinds []string `json:"kinds"`
	// MyKinds are the kinds the caller gets there: their choice on a company channel,
	// or its default; Kinds on their own.
	MyKinds   []string  `json:"my_kinds"`
	Chosen    bool      `json:"chosen"` // the caller chose MyKinds on a company channel
	Enabled   bool      `json:"enabled"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ChannelList is the caller's channels and the company's.
type ChannelList struct {
	Items []ChannelView `json:"items"`
	Kinds []string      `json:"kinds"`
	Types []string      `json:"types"`
}

// KindsInput is a person's choice of kinds on a company channel.
type KindsInput struct {
	Kinds []string `json:"kinds" max:"5"`
}

func view(c *ent.NotifyChannel, pref *ent.NotifyPref) ChannelView {
	v := ChannelView{ID: c.ID, Company: c.Username == "", Type: c.Type, Name: c.Name, Address: c.Address, To: c.To,
		HasSecret: c.Secret != "", Kinds: nonNil(c.Kinds), MyKinds: nonNil(c.Kinds), Enabled: c.Enabled, UpdatedAt: c.UpdatedAt.UTC()}
	if pref != nil {
		v.MyKinds, v.Chosen = nonNil(pref.Kinds), true
	}
	return v
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sealContext binds a channel's sealed secret to its row.
func sealContext(id int) string { return "notify-channel:" + strconv.Itoa(id) }

func (n *Notify) mayManageCompany(a service.Actor) error {
	if !n.CanCompanyWide(a, "users.manage") {
		return service.Refuse(http.StatusForbidden, "problem.forbidden.company_channels", nil)
	}
	return nil
}

// ListNotifyChannels lists the caller's own channels and the company's, with the kinds
// the caller gets on each.
func (n *Notify) ListNotifyChannels(ctx context.Context, a service.Actor) (*ChannelList, error) {
	rows, err := n.Store.Read.NotifyChannel.Query().Where(notifychannel.UsernameIn("", a.Username)).
		Order(ent.Asc(notifychannel.FieldID)).Limit(MaxOwnChannels + MaxCompanyChannels).All(ctx)
	if err != nil {
		return nil, err
	}
	prefs, err := n.Store.Read.NotifyPref.Query().Where(notifypref.Username(a.Username)).All(ctx)
	if err != nil {
		return nil, err
	}
	by := map[int]*ent.NotifyPref{}
	for _, p := range prefs {
		by[p.ChannelID] = p
	}
	out := &ChannelList{Items: make([]ChannelView, 0, len(rows)), Kinds: Kinds, Types: Types}
	for _, c := range rows {
		out.Items = append(out.Items, view(c, by[c.ID]))
	}
	return out, nil
}

// check validates a channel's settings: a 422 with every problem found.
func (n *Notify) check(in *ChannelInput, creating, hadSecret bool) error {
	var errs []service.FieldError
	bad := func(p, code string, params i18n.Params) { errs = append(errs, service.FieldErr(p, code, params)) }
	if !slices.Contains(Types, in.Type) {
		bad("/type", "notify_channel.type", i18n.Params{"Types": strings.Join(Types, ", ")})
	}
	if in.Kinds == nil {
		bad("/kinds", "notify_channel.kinds_required", i18n.Params{"Kinds": strings.Join(Kinds, ", ")})
	} else if !validKinds(in.Kinds) {
		bad("/kinds", "notify_channel.kinds_each", i18n.Params{"Kinds": strings.Join(Kinds, ", ")})
	}
	in.Kinds = slices.Compact(slices.Sorted(slices.Values(in.Kinds)))
	switch in.Type {
	case TypeEmail:
		if in.Address == "" && !in.Company {
			bad("/address", "notify_channel.email_required", nil)
		} else if in.Address != "" {
			if _, err := mail.ParseAddress(in.Address); err != nil {
				bad("/address", "email.invalid", nil)
			}
		}
	case TypeLine:
		if in.Address == "" {
			in.Address = LinePushURL
		}
		if in.To == "" {
			bad("/to", "notify_channel.line_to_required", nil)
		}
		if in.Secret == "" && (creating || !hadSecret) {
			bad("/secret", "notify_channel.line_token_required", nil)
		}
	}
	if in.Type != TypeEmail && slices.Contains(Types, in.Type) {
		var ue *outbox.URLError
		if err := outbox.CheckWebhookURL(in.Address, n.AllowPrivateWebhooks); errors.As(err, &ue) {
			bad("/address", ue.Code, i18n.Params{"Host": ue.Host})
		} else if err != nil {
			bad("/address", "invalid", nil)
		}
	}
	if in.Type != TypeLine && in.To != "" {
		bad("/to", "notify_channel.to_only_line", nil)
	}
	if in.Secret != "" && in.Type != TypeLine && in.Type != TypeDingTalk {
		bad("/secret", "notify_channel.secret_not_kept", nil)
	}
	if len(errs) > 0 {
		return service.Refuse(http.StatusUnprocessableEntity, "problem.notify_channel_invalid", nil, errs...)
	}
	return nil
}

// CreateNotifyChannel adds a channel: the caller's own, or (admins) the company's.
func (n *Notify) CreateNotifyChannel(ctx context.Context, a service.Actor, in ChannelInput) (*ChannelView, error) {
	owner := a.Username
	if in.Company {
		if err := n.mayManageCompany(a); err != nil {
			return nil, err
		}
		owner = ""
	}
	if err := n.check(&in, true, false); err != nil {
		return nil, err
	}
	var out ChannelView
	err := n.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		count, err := tx.NotifyChannel.Query().Where(notifychannel.Username(owner)).Count(ctx)
		if err != nil {
			return err
		}
		if limit := map[bool]int{true: MaxCompanyChannels, false: MaxOwnChannels}[in.Company]; count >= limit {
			return service.Refuse(http.StatusConflict, "problem.notify_channels_full", i18n.Params{"Max": limit})
		}
		c, err := tx.NotifyChannel.Create().SetUsername(owner).SetType(in.Type).SetName(in.Name).SetAddress(in.Address).
			SetTo(in.To).SetKinds(in.Kinds).SetEnabled(in.Enabled == nil || *in.Enabled).SetUpdatedAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		if in.Secret != "" {
			sealed, err := n.Secrets.Seal(in.Secret, sealContext(c.ID))
			if err != nil {
				return err
			}
			if c, err = c.Update().SetSecret(sealed).Save(ctx); err != nil {
				return err
			}
		}
		out = view(c, nil)
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "notify.channel.created", Detail: auditDetail(c)})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func auditDetail(c *ent.NotifyChannel) map[string]any {
	return map[string]any{"channel": c.ID, "company": c.Username == "", "type": c.Type, "address": c.Address, "kinds": c.Kinds, "enabled": c.Enabled}
}

// owned reads channel id for a change by a: their own, or the company's for an admin.
func (n *Notify) owned(ctx context.Context, tx *ent.Tx, a service.Actor, id int) (*ent.NotifyChannel, error) {
	c, err := tx.NotifyChannel.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.channel", nil)
	}
	if err != nil {
		return nil, err
	}
	switch c.Username {
	case a.Username:
		return c, nil
	case "":
		if err := n.mayManageCompany(a); err != nil {
			return nil, err
		}
		return c, nil
	}
	return nil, service.Refuse(http.StatusNotFound, "problem.not_found.channel", nil) // someone else's: not even its existence
}

// UpdateNotifyChannel changes a channel's settings (the caller's own, or the company's
// for an admin). An empty secret keeps the stored one.
func (n *Notify) UpdateNotifyChannel(ctx context.Context, a service.Actor, id int, in ChannelInput) (*ChannelView, error) {
	var out ChannelView
	err := n.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		c, err := n.owned(ctx, tx, a, id)
		if err != nil {
			return err
		}
		in.Company = c.Username == ""
		if err := n.check(&in, false, c.Secret != ""); err != nil {
			return err
		}
		u := c.Update().SetType(in.Type).SetName(in.Name).SetAddress(in.Address).SetTo(in.To).SetKinds(in.Kinds).SetUpdatedAt(j.At())
		if in.Enabled != nil {
			u.SetEnabled(*in.Enabled)
		}
		switch {
		case in.Secret != "":
			sealed, err := n.Secrets.Seal(in.Secret, sealContext(c.ID))
			if err != nil {
				return err
			}
			u.SetSecret(sealed)
		case in.Type != TypeLine && in.Type != TypeDingTalk:
			u.SetSecret("") // a type that keeps none
		}
		if c, err = u.Save(ctx); err != nil {
			return err
		}
		var pref *ent.NotifyPref
		if c.Username == "" {
			if pref, err = tx.NotifyPref.Query().Where(notifypref.Username(a.Username), notifypref.ChannelID(c.ID)).Only(ctx); ent.IsNotFound(err) {
				pref, err = nil, nil
			}
			if err != nil {
				return err
			}
		}
		out = view(c, pref)
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "notify.channel.updated", Detail: auditDetail(c)})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteNotifyChannel removes a channel and the choices people made on it. Messages
// already in the outbox still go.
func (n *Notify) DeleteNotifyChannel(ctx context.Context, a service.Actor, id int) error {
	return n.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		c, err := n.owned(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if _, err := tx.NotifyPref.Delete().Where(notifypref.ChannelID(c.ID)).Exec(ctx); err != nil {
			return err
		}
		if err := tx.NotifyChannel.DeleteOne(c).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "notify.channel.deleted", Detail: auditDetail(c)})
	})
}

// ChooseNotifyKinds records which kinds the caller gets on a company channel (an empty
// list: none); their own channels' kinds are part of the channel.
func (n *Notify) ChooseNotifyKinds(ctx context.Context, a service.Actor, id int, in KindsInput) (*ChannelView, error) {
	if in.Kinds == nil || !validKinds(in.Kinds) {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.bad_kinds", nil,
			service.FieldErr("/kinds", "notify_channel.kinds_list", i18n.Params{"Kinds": strings.Join(Kinds, ", ")}))
	}
	kinds := slices.Compact(slices.Sorted(slices.Values(in.Kinds)))
	var out ChannelView
	err := n.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		c, err := tx.NotifyChannel.Get(ctx, id)
		if ent.IsNotFound(err) || (err == nil && c.Username != "") {
			return service.Refuse(http.StatusNotFound, "problem.not_found.company_channel", nil)
		}
		if err != nil {
			return err
		}
		err = tx.NotifyPref.Create().SetUsername(a.Username).SetChannelID(id).SetKinds(kinds).
			OnConflictColumns(notifypref.FieldUsername, notifypref.FieldChannelID).UpdateKinds().Exec(ctx)
		if err != nil {
			return err
		}
		out = view(c, &ent.NotifyPref{Kinds: kinds})
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "notify.kinds.chosen", Detail: map[string]any{"channel": id, "kinds": kinds}})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
