package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is what one notification says, in its reader's language, before it takes a
// channel's shape. The builders below are pure: a Message in, the bytes a channel's
// documented API takes out.
type Message struct {
	Kind     string // KindTask, KindReminder, …
	Lang     string
	Title    string
	Number   string
	Customer string   // "" when none or hidden from the reader
	Amount   *float64 // nil when none or hidden
	Node     string
	Checks   []string // the node's checklist: what the reviewer must check
	Reasons  []string // the node's reject reasons
	Left     *time.Duration
	Text     string // a mention's or a digest's own words
	// Approve, Reject and Open are the links; Approve and Reject are empty when the
	// message offers no decision.
	Approve, Reject, Open string
}

// fact is one labelled value of a message.
type fact struct{ label, value string }

func (m Message) facts() []fact {
	var fs []fact
	add := func(key, v string) {
		if v != "" {
			fs = append(fs, fact{word(m.Lang, key), v})
		}
	}
	add("number", m.Number)
	add("customer", m.Customer)
	if m.Amount != nil {
		add("amount", amount(*m.Amount))
	}
	add("node", m.Node)
	if m.Left != nil {
		add("left", left(m.Lang, *m.Left))
	}
	if len(m.Reasons) > 0 && m.Reject != "" {
		add("reasons", strings.Join(m.Reasons, ", "))
	}
	return fs
}

type link struct{ label, url string }

func (m Message) links() []link {
	var ls []link
	for _, l := range []link{{"approve", m.Approve}, {"reject", m.Reject}, {"open", m.Open}} {
		if l.url != "" {
			ls = append(ls, link{word(m.Lang, l.label), l.url})
		}
	}
	return ls
}

// Plain is the message as plain text (email bodies, LINE).
func Plain(m Message) string {
	var b strings.Builder
	b.WriteString(m.Title + "\n")
	if m.Text != "" {
		b.WriteString("\n" + m.Text + "\n")
	}
	if fs := m.facts(); len(fs) > 0 {
		b.WriteString("\n")
		for _, f := range fs {
			fmt.Fprintf(&b, "%s: %s\n", f.label, f.value)
		}
	}
	if len(m.Checks) > 0 {
		b.WriteString("\n" + word(m.Lang, "check") + ":\n")
		for _, c := range m.Checks {
			b.WriteString("- " + c + "\n")
		}
	}
	if ls := m.links(); len(ls) > 0 {
		b.WriteString("\n")
		for _, l := range ls {
			fmt.Fprintf(&b, "%s: %s\n", l.label, l.url)
		}
	}
	return b.String()
}

// Markdown is the message in the Markdown the Chinese robots render (WeCom, DingTalk).
func Markdown(m Message) string {
	var b strings.Builder
	b.WriteString("### " + m.Title + "\n")
	if m.Text != "" {
		b.WriteString("\n" + m.Text + "\n")
	}
	for _, f := range m.facts() {
		fmt.Fprintf(&b, "\n- **%s**: %s", f.label, f.value)
	}
	if len(m.Checks) > 0 {
		b.WriteString("\n\n**" + word(m.Lang, "check") + "**")
		for _, c := range m.Checks {
			b.WriteString("\n- " + c)
		}
	}
	if ls := m.links(); len(ls) > 0 {
		b.WriteString("\n\n")
		for i, l := range ls {
			if i > 0 {
				b.WriteString(" | ")
			}
			fmt.Fprintf(&b, "[%s](%s)", l.label, l.url)
		}
	}
	return b.String()
}

// Email is the subject and plain-text body of the message as an email.
func Email(m Message) (subject, body string) { return m.Title, Plain(m) }

// slackEscape escapes the three characters Slack's mrkdwn gives meaning to.
func slackEscape(s string) string {
	return htmlEscaper.Replace(s)
}

// Slack is the body of a Slack incoming webhook: text as the notification's fallback,
// and blocks (a section with the title, one with the facts as fields, the checklist,
// and an actions block of link buttons).
func Slack(m Message) []byte {
	type text struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	blocks := []any{map[string]any{"type": "section", "text": text{"mrkdwn", "*" + slackEscape(m.Title) + "*" + optional("\n", slackEscape(m.Text))}}}
	if fs := m.facts(); len(fs) > 0 {
		fields := []text{}
		for i, f := range fs {
			if i == 10 { // a section holds at most ten fields
				break
			}
			fields = append(fields, text{"mrkdwn", "*" + slackEscape(f.label) + "*\n" + slackEscape(f.value)})
		}
		blocks = append(blocks, map[string]any{"type": "section", "fields": fields})
	}
	if len(m.Checks) > 0 {
		lines := make([]string, len(m.Checks))
		for i, c := range m.Checks {
			lines[i] = "• " + slackEscape(c)
		}
		blocks = append(blocks, map[string]any{"type": "section", "text": text{"mrkdwn", "*" + slackEscape(word(m.Lang, "check")) + "*\n" + strings.Join(lines, "\n")}})
	}
	if ls := m.links(); len(ls) > 0 {
		var els []map[string]any
		for i, l := range ls {
			b := map[string]any{"type": "button", "text": text{"plain_text", l.label}, "url": l.url, "action_id": "sluice-" + strconv.Itoa(i)}
			if l.url == m.Approve {
				b["style"] = "primary"
			} else if l.url == m.Reject {
				b["style"] = "danger"
			}
			els = append(els, b)
		}
		blocks = append(blocks, map[string]any{"type": "actions", "elements": els})
	}
	return mustJSON(map[string]any{"text": m.Title, "blocks": blocks})
}

func optional(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// Teams is the body of a Microsoft Teams incoming webhook: a message whose one
// attachment is an Adaptive Card (title, a fact set, the checklist, open-URL actions).
func Teams(m Message) []byte {
	body := []any{map[string]any{"type": "TextBlock", "text": m.Title, "weight": "Bolder", "size": "Medium", "wrap": true}}
	if m.Text != "" {
		body = append(body, map[string]any{"type": "TextBlock", "text": m.Text, "wrap": true})
	}
	if fs := m.facts(); len(fs) > 0 {
		facts := make([]map[string]string, len(fs))
		for i, f := range fs {
			facts[i] = map[string]string{"title": f.label, "value": f.value}
		}
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	if len(m.Checks) > 0 {
		body = append(body, map[string]any{"type": "TextBlock", "text": word(m.Lang, "check") + ":\n- " + strings.Join(m.Checks, "\n- "), "wrap": true})
	}
	actions := []map[string]string{}
	for _, l := range m.links() {
		actions = append(actions, map[string]string{"type": "Action.OpenUrl", "title": l.label, "url": l.url})
	}
	card := map[string]any{"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
		"body": body, "actions": actions}
	return mustJSON(map[string]any{"type": "message", "attachments": []any{
		map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": nil, "content": card}}})
}

// lineTextMax is the longest text message LINE accepts, in characters.
const lineTextMax = 5000

// Line is the body of a LINE Messaging API push (POST /v2/bot/message/push): one text
// message to the recipient id to.
func Line(to string, m Message) []byte {
	t := Plain(m)
	if utf8.RuneCountInString(t) > lineTextMax {
		t = string([]rune(t)[:lineTextMax-1]) + "…"
	}
	return mustJSON(map[string]any{"to": to, "messages": []any{map[string]string{"type": "text", "text": t}}})
}

// weComMax is the longest markdown content a WeCom group robot accepts, in bytes.
const weComMax = 4096

// WeCom is the body of a 企業微信 (WeCom) group robot: msgtype markdown.
func WeCom(m Message) []byte {
	c := Markdown(m)
	for len(c) > weComMax {
		r := []rune(c)
		c = string(r[:len(r)-len(r)/10-1])
	}
	return mustJSON(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": c}})
}

// DingTalk is the body of a 釘釘 (DingTalk) custom robot: msgtype markdown, with the
// title shown in the conversation list.
func DingTalk(m Message) []byte {
	return mustJSON(map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": Markdown(m)}})
}

// DingTalkSign is the sign query parameter of a DingTalk robot with a secret: the
// Base64 HMAC-SHA256 of "timestamp\nsecret" under the secret, timestamp in
// milliseconds (DingTalk refuses one more than an hour off, so it is computed when
// sending, never when enqueuing).
func DingTalkSign(secret string, ms int64) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d\n%s", ms, secret)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Webhook is the body of the generic signed JSON webhook: the message's parts as data.
func Webhook(user string, m Message) []byte {
	doc := map[string]any{"type": "sluice.notification", "kind": m.Kind, "user": user, "language": Lang(m.Lang), "title": m.Title}
	order := map[string]any{}
	if m.Number != "" {
		order["number"] = m.Number
	}
	if m.Customer != "" {
		order["customer"] = m.Customer
	}
	if m.Amount != nil {
		order["amount"] = *m.Amount
	}
	if len(order) > 0 {
		doc["order"] = order
	}
	if m.Node != "" {
		doc["node"] = m.Node
	}
	if m.Text != "" {
		doc["text"] = m.Text
	}
	if len(m.Checks) > 0 {
		doc["checks"] = m.Checks
	}
	if len(m.Reasons) > 0 && m.Reject != "" {
		doc["reasons"] = m.Reasons
	}
	if m.Left != nil {
		doc["seconds_left"] = int64(m.Left.Seconds())
	}
	links := map[string]string{}
	for k, v := range map[string]string{"approve": m.Approve, "reject": m.Reject, "open": m.Open} {
		if v != "" {
			links[k] = v
		}
	}
	doc["links"] = links
	return mustJSON(doc)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return b
}

// htmlEscaper is built once.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
