// Package notify provides the notify.confirm task: it tells the customer that their
// order is confirmed, by email or webhook, from a template in the customer's language.
// The message is not sent here: it is written to the outbox in the order's
// transaction (so it exists exactly when the transition does) and the outbox worker
// delivers it afterwards, with retries.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"sluice/backend/i18n"
	"sluice/plugins"
)

// Name is the plugin's registered name.
const Name = "notify.confirm"

// Settings of a notify.confirm node.
type Settings struct {
	Channel  string `json:"channel"`            // email | webhook
	Template string `json:"template,omitempty"` // template name; default order_confirmed
}

// DefaultTemplate is used when the settings name none.
const DefaultTemplate = "order_confirmed"

// Channels.
const (
	Email   = "email"
	Webhook = "webhook"
)

type plugin struct{}

func init() { plugins.Register(plugin{}) }

func (plugin) Name() string { return Name }

func (plugin) Outcomes() []string { return nil }

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "notify.confirm",
  "description": "Notifies the customer that the order is confirmed.",
  "type": "object",
  "required": ["channel"],
  "additionalProperties": false,
  "properties": {
    "channel": {
      "description": "email: to the customer's email address. webhook: to the customer's webhook URL (signed).",
      "enum": ["email", "webhook"]
    },
    "template": {
      "description": "Name of the message template; default order_confirmed.",
      "type": "string",
      "pattern": "^[a-z][a-z0-9_]{0,63}$"
    }
  }
}`)
}

// recipient is who the message goes to, and in which language.
type recipient struct {
	code, name, language, to string
}

// findRecipient resolves the customer: the customers row whose code is the order's
// customer field (a code, or an object with a code), else what the form itself holds
// (an email field, or the demo form's customer.contact).
func findRecipient(ctx context.Context, ports *plugins.Ports, channel string, data map[string]any) (recipient, error) {
	var r recipient
	obj, _ := data["customer"].(map[string]any)
	if s, ok := data["customer"].(string); ok {
		r.code = strings.TrimSpace(s)
	} else if obj != nil {
		r.code, _ = obj["code"].(string)
		r.name, _ = obj["name"].(string)
	}
	if r.code != "" && ports != nil {
		c, err := ports.Customers.ByCode(ctx, r.code)
		switch {
		case err != nil:
			return r, err
		case c != nil:
			if c.Name != "" {
				r.name = c.Name
			}
			r.language = c.Language
			if channel == Email {
				r.to = c.Email
			} else {
				r.to = c.WebhookURL
			}
		}
	}
	if r.language == "" {
		r.language, _ = data["language"].(string)
	}
	if r.to == "" {
		field := "email"
		if channel == Webhook {
			field = "webhook_url"
		}
		r.to, _ = data[field].(string)
		if r.to == "" && channel == Email && obj != nil {
			r.to, _ = obj["contact"].(string)
		}
	}
	r.to = strings.TrimSpace(r.to)
	if r.name == "" {
		r.name = r.code
	}
	return r, nil
}

// view builds the template data from the order's form data.
func view(o plugins.Order, r recipient) View {
	v := View{Number: o.Number, CustomerCode: r.code, CustomerName: r.name}
	v.Currency, _ = o.Data["currency"].(string)
	v.PromisedDate, _ = o.Data["promised_date"].(string)
	items, _ := o.Data["items"].([]any)
	sum := 0.0
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		l := Line{}
		l.SKU, _ = m["sku"].(string)
		l.Name, _ = m["name"].(string)
		l.Qty = number(m["qty"])
		l.Price = number(m["price"])
		l.Amount = l.Qty * l.Price
		sum += l.Amount
		v.Lines = append(v.Lines, l)
	}
	v.Total = sum
	if t, ok := o.Data["total"]; ok {
		v.Total = number(t)
	}
	return v
}

func number(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case json.Number:
		f, _ := x.Float64()
		return f
	}
	return 0
}

// WebhookPayload is the JSON document a webhook confirmation posts.
type WebhookPayload struct {
	Event    string       `json:"event"` // the template name, e.g. order_confirmed
	Key      string       `json:"idempotency_key"`
	Language string       `json:"language"`
	Subject  string       `json:"subject"`
	Text     string       `json:"text"`
	Order    WebhookOrder `json:"order"`
}

// WebhookOrder is the order in a webhook payload.
type WebhookOrder struct {
	ID       int           `json:"id"`
	Number   string        `json:"number"`
	Customer string        `json:"customer,omitempty"` // code
	Name     string        `json:"customer_name,omitempty"`
	Lines    []WebhookLine `json:"lines"`
	Total    float64       `json:"total"`
	Currency string        `json:"currency,omitempty"`
}

// WebhookLine is one line in a webhook payload.
type WebhookLine struct {
	SKU   string  `json:"sku,omitempty"`
	Name  string  `json:"name"`
	Qty   float64 `json:"qty"`
	Price float64 `json:"price"`
}

// Provision reads and checks the settings once per flow version.
func (plugin) Provision(raw json.RawMessage) (any, error) {
	var s Settings
	if err := plugins.DecodeSettings(Name, raw, &s); err != nil {
		return nil, err
	}
	if s.Channel != Email && s.Channel != Webhook {
		return nil, &plugins.SettingError{Pointer: "/channel", Message: fmt.Sprintf("channel must be email or webhook, not %q", s.Channel)}
	}
	if s.Template == "" {
		s.Template = DefaultTemplate
	}
	return s, nil
}

func (plugin) Run(ctx context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[Settings](Name, in)
	if err != nil {
		return plugins.Output{}, err
	}
	r, err := findRecipient(ctx, in.Ports, s.Channel, in.Order.Data)
	if err != nil {
		return plugins.Output{}, fmt.Errorf("%s: customer: %w", Name, err)
	}
	v := view(in.Order, r)
	msg, err := Render(s.Template, r.language, v)
	if err != nil {
		return plugins.Output{}, fmt.Errorf("%s: %w", Name, err)
	}
	if r.to == "" {
		key := "plugin.notify.no_email"
		if s.Channel == Webhook {
			key = "plugin.notify.no_webhook"
		}
		f := plugins.Fail("address", key, i18n.Params{"Number": in.Order.Number, "Customer": r.code})
		f.Detail = map[string]any{"channel": s.Channel, "customer": r.code, "template": s.Template}
		return plugins.Output{}, f
	}
	detail := map[string]any{"channel": s.Channel, "to": r.to, "template": s.Template, "language": msg.Language, "subject": msg.Subject}
	if in.DryRun {
		// Simulation shows what would go out and writes nothing.
		detail["dry_run"] = true
		detail["body"] = msg.Body
		detail["sent"] = false
		return plugins.Output{Outcome: "ok", Detail: detail}, nil
	}
	if in.Ports == nil {
		return plugins.Output{}, fmt.Errorf("%s: no database to queue the message in", Name)
	}
	key, err := nextKey(ctx, in.Ports.Outbox, in.Order, in.Node, s.Channel)
	if err != nil {
		return plugins.Output{}, fmt.Errorf("%s: %w", Name, err)
	}
	body := msg.Body
	if s.Channel == Webhook {
		p := WebhookPayload{Event: s.Template, Key: key, Language: msg.Language, Subject: msg.Subject, Text: msg.Body,
			Order: WebhookOrder{ID: in.Order.ID, Number: in.Order.Number, Customer: r.code, Name: r.name, Total: v.Total, Currency: v.Currency, Lines: []WebhookLine{}}}
		for _, l := range v.Lines {
			p.Order.Lines = append(p.Order.Lines, WebhookLine{SKU: l.SKU, Name: l.Name, Qty: l.Qty, Price: l.Price})
		}
		b, err := json.Marshal(p)
		if err != nil {
			return plugins.Output{}, err
		}
		body = string(b)
	}
	id, err := in.Ports.Outbox.Enqueue(ctx, plugins.Message{Key: key, Channel: s.Channel, OrderID: in.Order.ID, Template: s.Template,
		Language: msg.Language, Recipient: r.to, Subject: msg.Subject, Body: body})
	if err != nil {
		return plugins.Output{}, fmt.Errorf("%s: %w", Name, err)
	}
	detail["outbox_id"] = id
	detail["key"] = key
	detail["queued"] = true
	return plugins.Output{Outcome: "ok", Detail: detail}, nil
}

// nextKey is the idempotency key of this confirmation: stable for the order, node and
// channel, with a counter when the order passes the node again (returned and
// re-approved), since the receiver must see that one as a new message.
func nextKey(ctx context.Context, ob plugins.Outbox, o plugins.Order, node, channel string) (string, error) {
	ref := o.Number
	if ref == "" {
		ref = fmt.Sprintf("id%d", o.ID)
	}
	base := fmt.Sprintf("sluice:%s:%s:%s", ref, node, channel)
	n, err := ob.Keys(ctx, base)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return base, nil
	}
	return fmt.Sprintf("%s:%d", base, n+1), nil
}
