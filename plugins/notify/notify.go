// Package notify provides the notify.confirm task: it tells the customer that their
// order is confirmed, by email or webhook, from a template.
//
// This is a stand-in: it records the message it would send (see Sent) instead of
// sending it. The real sender goes through the outbox, keeping the name, settings and
// outcome.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

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

// Message is what the plugin would send.
type Message struct {
	Node     string `json:"node"`
	Order    string `json:"order"` // order number
	Channel  string `json:"channel"`
	To       string `json:"to"`
	Template string `json:"template"`
	Customer string `json:"customer,omitempty"`
}

var (
	mu   sync.Mutex
	sent []Message
)

// keepSent is how many recorded messages are kept (the newest).
const keepSent = 200

// Sent returns the messages recorded so far (not those of dry runs).
func Sent() []Message {
	mu.Lock()
	defer mu.Unlock()
	return append([]Message(nil), sent...)
}

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
      "description": "email: to the customer's contact address. webhook: to the channel the order came from.",
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

func (plugin) Run(_ context.Context, in plugins.Input) (plugins.Output, error) {
	var s Settings
	if len(in.Settings) > 0 && string(in.Settings) != "null" {
		if err := json.Unmarshal(in.Settings, &s); err != nil {
			return plugins.Output{}, fmt.Errorf("%s: settings: %w", Name, err)
		}
	}
	if s.Channel != "email" && s.Channel != "webhook" {
		return plugins.Output{}, fmt.Errorf("%s: settings: channel must be email or webhook, not %q", Name, s.Channel)
	}
	if s.Template == "" {
		s.Template = DefaultTemplate
	}
	msg := Message{Node: in.Node, Order: in.Order.Number, Channel: s.Channel, Template: s.Template}
	if c, ok := in.Order.Data["customer"].(map[string]any); ok {
		msg.Customer, _ = c["name"].(string)
		if s.Channel == "email" {
			msg.To, _ = c["contact"].(string)
		}
	}
	if s.Channel == "webhook" {
		msg.To = "channel:" + in.Order.Flow
	}
	if !in.DryRun {
		mu.Lock()
		sent = append(sent, msg)
		if len(sent) > 2*keepSent { // bounded: a long-running server must not grow forever
			sent = append([]Message(nil), sent[len(sent)-keepSent:]...)
		}
		mu.Unlock()
	}
	detail := map[string]any{"channel": msg.Channel, "to": msg.To, "template": msg.Template, "sent": !in.DryRun}
	if in.DryRun {
		detail["dry_run"] = true
	}
	return plugins.Output{Outcome: "ok", Detail: detail}, nil
}
