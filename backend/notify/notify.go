// Package notify reaches people where they are: besides the web app's bell and inbox,
// a person's notifications (a new task, a reminder, an escalation, a mention, a digest)
// go to their email and chat channels — Slack, Microsoft Teams, LINE, WeCom, DingTalk
// robots, or a signed JSON webhook — through the outbox (retries, dead letters,
// metrics), never inside a request. A task's message carries signed links to decide it
// from the message (links.go). It attaches to the workflow core as its NoticeHook
// (backend/app); it imports no other feature.
package notify

import (
	"slices"
	"time"

	"sluice/backend/service"
)

// The kinds of notification a channel may get.
const (
	KindTask       = "task"
	KindReminder   = "reminder"
	KindEscalation = "escalation"
	KindMention    = "mention"
	KindDigest     = "digest"
)

// Kinds lists every kind, in the order the API shows them.
var Kinds = []string{KindTask, KindReminder, KindEscalation, KindMention, KindDigest}

// kindOf maps a notice's type (store.Notification.Type) to its kind; "" for the types
// that stay in the web app (exceptions, stock alerts, …).
func kindOf(noticeType string) string {
	switch noticeType {
	case service.NoticeTask:
		return KindTask
	case "reminder":
		return KindReminder
	case "escalation":
		return KindEscalation
	case "mention":
		return KindMention
	case "digest":
		return KindDigest
	}
	return ""
}

// The channel types.
const (
	TypeEmail    = "email"
	TypeSlack    = "slack"
	TypeTeams    = "teams"
	TypeLine     = "line"
	TypeWeCom    = "wecom"
	TypeDingTalk = "dingtalk"
	TypeWebhook  = "webhook"
)

// Types lists every channel type.
var Types = []string{TypeEmail, TypeSlack, TypeTeams, TypeLine, TypeWeCom, TypeDingTalk, TypeWebhook}

// LinePushURL is LINE Messaging API's push endpoint, a LINE channel's default address.
const LinePushURL = "https://api.line.me/v2/bot/message/push"

// DefaultLinkTTL is how long an action link works unless notify.link_ttl says otherwise.
const DefaultLinkTTL = 72 * time.Hour

// Notify is the feature's use cases over the core.
type Notify struct {
	*service.Service
	// LinkBase is the web app's address the links start with (notify.base_url), e.g.
	// https://sluice.example.com.
	LinkBase string
	// LinkKey signs the action links; with none, messages carry the "open" link only.
	LinkKey []byte
	// LinkTTL is how long an action link works (default DefaultLinkTTL).
	LinkTTL time.Duration
	// Clock is the time links are stamped and checked with (tests move it).
	Clock func() time.Time
}

// New attaches the feature to the core: the core tells it whom each change notified.
func New(core *service.Service) *Notify {
	n := &Notify{Service: core, LinkTTL: DefaultLinkTTL, Clock: time.Now}
	core.Notices = n
	return n
}

func (n *Notify) now() time.Time { return n.Clock().UTC() }

func (n *Notify) ttl() time.Duration {
	if n.LinkTTL <= 0 {
		return DefaultLinkTTL
	}
	return n.LinkTTL
}

func validKinds(ks []string) bool {
	for _, k := range ks {
		if !slices.Contains(Kinds, k) {
			return false
		}
	}
	return true
}
