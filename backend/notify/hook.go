package notify

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/notifychannel"
	"sluice/backend/ent/notifypref"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/outbox"
	"sluice/backend/store"
)

// HeaderChannel names, on a chat message in the outbox, the channel whose secret the
// sender adds when it sends (ChatSender); it never leaves the server.
const HeaderChannel = "X-Sluice-Notify-Channel"

// digestLines caps the tasks a digest message lists (the count is exact).
const digestLines = 20

// Noticed is the core's notice hook: for each notice of a kind people may receive
// elsewhere, it writes one outbox message per channel of the person that takes the
// kind, in the change's transaction (a rolled-back change sends nothing).
func (n *Notify) Noticed(ctx context.Context, tx *ent.Tx, at time.Time, notices []store.Notification) error {
	var company []*ent.NotifyChannel
	loaded := false
	for _, nt := range notices {
		kind := kindOf(nt.Type)
		if kind == "" {
			continue
		}
		if !loaded {
			// most changes notify someone: with no channel anywhere, one query and done
			some, err := tx.NotifyChannel.Query().Where(notifychannel.Enabled(true)).Exist(ctx)
			if err != nil || !some {
				return err
			}
			company, err = tx.NotifyChannel.Query().Where(notifychannel.Username(""), notifychannel.Enabled(true)).
				Order(ent.Asc(notifychannel.FieldID)).Limit(MaxCompanyChannels).All(ctx)
			if err != nil {
				return err
			}
			loaded = true
		}
		if err := n.tell(ctx, tx, at, kind, nt, company); err != nil {
			return err
		}
	}
	return nil
}

// channelsFor are the person's channels that take kind: their own, and the company's
// by their choice or its default.
func channelsFor(ctx context.Context, tx *ent.Tx, username, kind string, company []*ent.NotifyChannel) ([]*ent.NotifyChannel, error) {
	own, err := tx.NotifyChannel.Query().Where(notifychannel.Username(username), notifychannel.Enabled(true)).
		Order(ent.Asc(notifychannel.FieldID)).Limit(MaxOwnChannels).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []*ent.NotifyChannel
	for _, c := range own {
		if slices.Contains(c.Kinds, kind) {
			out = append(out, c)
		}
	}
	if len(company) == 0 {
		return out, nil
	}
	prefs, err := tx.NotifyPref.Query().Where(notifypref.Username(username)).All(ctx)
	if err != nil {
		return nil, err
	}
	chosen := map[int][]string{}
	for _, p := range prefs {
		chosen[p.ChannelID] = p.Kinds
	}
	for _, c := range company {
		kinds, ok := chosen[c.ID]
		if !ok {
			kinds = c.Kinds
		}
		if slices.Contains(kinds, kind) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (n *Notify) tell(ctx context.Context, tx *ent.Tx, at time.Time, kind string, nt store.Notification, company []*ent.NotifyChannel) error {
	chans, err := channelsFor(ctx, tx, nt.Username, kind, company)
	if err != nil || len(chans) == 0 {
		return err
	}
	u, err := tx.User.Query().Where(user.Username(nt.Username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil // a system name, or a person removed meanwhile
	}
	if err != nil {
		return err
	}
	if u.Disabled {
		return nil
	}
	m, t, err := n.message(ctx, tx, at, kind, nt, u)
	if err != nil {
		return err
	}
	for _, c := range chans {
		mc := m
		if t != nil && len(n.LinkKey) > 0 {
			token, err := n.issue(ctx, tx, at, t, u.Username, c)
			if err != nil {
				return err
			}
			base := n.base() + "/act/" + token
			mc.Approve, mc.Reject = base+"?do=approve", base+"?do=reject"
		}
		if err := n.enqueue(ctx, tx, u, c, nt.OrderID, mc); err != nil {
			return err
		}
	}
	return nil
}

func (n *Notify) base() string { return strings.TrimRight(n.LinkBase, "/") }

// intOf reads an id from a notice's data: an int as written, a float64 once normalised.
func intOf(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case float64:
		return int(x)
	case int64:
		return int(x)
	}
	return 0
}

// pick is a definition text in lang, else zh-TW, else any, else fallback.
func pick(t engine.Text, lang, fallback string) string {
	for _, l := range []string{lang, LangZhTW} {
		if s := t[l]; s != "" {
			return s
		}
	}
	for _, l := range []string{LangZhCN, LangEn} {
		if s := t[l]; s != "" {
			return s
		}
	}
	return fallback
}

// message composes what notice nt says to u. For a task's kinds it also returns the
// task, open and still u's, that the message may carry decision links for.
func (n *Notify) message(ctx context.Context, tx *ent.Tx, at time.Time, kind string, nt store.Notification, u *ent.User) (Message, *ent.Task, error) {
	lang := Lang(cmp.Or(u.Language, u.Locale)) // their own setting, else the account's locale
	m := Message{Kind: kind, Lang: lang, Open: n.base() + "/tasks"}
	if kind == KindDigest {
		count := intOf(nt.Data["count"])
		m.Title = fmt.Sprintf(word(lang, "digest"), count)
		tasks, _ := nt.Data["tasks"].([]any)
		var lines []string
		for i, x := range tasks {
			if i == digestLines {
				lines = append(lines, "…")
				break
			}
			if t, ok := x.(map[string]any); ok {
				lines = append(lines, fmt.Sprintf("- %v (%v)", t["number"], t["node"]))
			}
		}
		m.Text = strings.Join(lines, "\n")
		return m, nil, nil
	}
	if nt.OrderID == 0 {
		m.Title = nt.Title
		return m, nil, nil
	}
	o, err := tx.Order.Get(ctx, nt.OrderID)
	if ent.IsNotFound(err) {
		return m, nil, nil
	}
	if err != nil {
		return m, nil, err
	}
	m.Number = o.Number
	m.Title = fmt.Sprintf(word(lang, kind), o.Number)
	m.Open = n.base() + "/orders/" + strconv.Itoa(o.ID)
	if kind == KindMention {
		m.Text = nt.Title
		return m, nil, nil
	}
	f, err := n.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return m, nil, err
	}
	var node *engine.NodeDoc
	nodeID, _ := nt.Data["node"].(string)
	if f != nil {
		node = f.Nodes[nodeID]
	}
	m.Customer = o.Customer
	if c, ok := o.Data["customer"].(map[string]any); ok && m.Customer == "" {
		m.Customer, _ = c["name"].(string) // the demo form's customer
	}
	if o.Total != 0 {
		total := o.Total
		m.Amount = &total
	}
	m.Node = nodeID
	if node != nil {
		// what the node hides from its reviewers stays out of the message too
		if node.Fields["customer"] == "hidden" {
			m.Customer = ""
		}
		if node.Fields["total"] == "hidden" || node.Fields["amount"] == "hidden" {
			m.Amount = nil
		}
		m.Node = pick(node.Name, lang, nodeID)
		for _, c := range node.Checklist {
			m.Checks = append(m.Checks, pick(c, lang, ""))
		}
		m.Reasons = node.Reasons
	}
	id := intOf(nt.Data["task_id"])
	if id == 0 {
		return m, nil, nil
	}
	t, err := tx.Task.Get(ctx, id)
	if ent.IsNotFound(err) {
		return m, nil, nil
	}
	if err != nil {
		return m, nil, err
	}
	due, err := tx.Timer.Query().Where(timer.TaskID(t.ID), timer.Status("pending"), timer.KindIn("remind", "escalate", "auto")).
		Order(ent.Asc(timer.FieldDueAt)).First(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return m, nil, err
	}
	if due != nil && kind != KindEscalation {
		d := due.DueAt.Sub(at)
		m.Left = &d
	}
	if t.Status != "open" || t.Kind == "cc" || !slices.Contains(t.Assignees, u.Username) {
		return m, nil, nil
	}
	return m, t, nil
}

// enqueue writes m for u on channel c as an outbox message.
func (n *Notify) enqueue(ctx context.Context, tx *ent.Tx, u *ent.User, c *ent.NotifyChannel, orderID int, m Message) error {
	var key [12]byte
	_, _ = rand.Read(key[:])
	msg := outbox.Message{Key: "notify-" + hex.EncodeToString(key[:]), OrderID: orderID, Template: "notify." + m.Kind,
		Language: m.Lang, Recipient: c.Address, Subject: m.Title}
	switch c.Type {
	case TypeEmail:
		msg.Channel = outbox.Email
		if msg.Recipient == "" {
			msg.Recipient = u.Email // a company email channel: each person's own address
		}
		if msg.Recipient == "" {
			return nil
		}
		msg.Subject, msg.Body = Email(m)
	case TypeWebhook:
		msg.Channel, msg.Body = outbox.Webhook, string(Webhook(u.Username, m))
	default:
		msg.Channel = outbox.Chat
		msg.Headers = map[string]string{HeaderChannel: strconv.Itoa(c.ID)}
		switch c.Type {
		case TypeSlack:
			msg.Body = string(Slack(m))
		case TypeTeams:
			msg.Body = string(Teams(m))
		case TypeLine:
			msg.Body = string(Line(c.To, m))
		case TypeWeCom:
			msg.Body = string(WeCom(m))
		case TypeDingTalk:
			msg.Body = string(DingTalk(m))
		default:
			return nil
		}
	}
	_, err := outbox.Enqueue(ctx, tx.Client(), msg)
	return err
}
