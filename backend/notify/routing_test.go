package notify_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"sluice/backend/ent/outboxmessage"
	"sluice/backend/notify"
	"sluice/backend/outbox"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// TestKindsChooseTheChannels: a channel gets the kinds listed on it; a company channel's
// kinds are everyone's default until they choose (an empty choice opts out); a failed
// change sends nothing.
func TestKindsChooseTheChannels(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := compose(t, s)
		admin, clerk := actor(t, svc, "admin"), actor(t, svc, "clerk")
		company, err := svc.CreateNotifyChannel(ctx, admin, notify.ChannelInput{Company: true, Type: notify.TypeWebhook,
			Address: "http://127.0.0.1:9/company", Kinds: []string{notify.KindTask}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.CreateNotifyChannel(ctx, clerk, notify.ChannelInput{Company: true, Type: notify.TypeWebhook,
			Address: "http://127.0.0.1:9/x", Kinds: []string{}}); !isStatus(err, 403) {
			t.Fatalf("a company channel by a non-admin: %v", err)
		}
		if _, err := svc.CreateNotifyChannel(ctx, clerk, notify.ChannelInput{Type: notify.TypeSlack,
			Address: "http://127.0.0.1:9/slack", Kinds: []string{notify.KindReminder}}); err != nil {
			t.Fatal(err)
		}
		sentTo := func(template string) []string {
			t.Helper()
			ms, err := s.Read.OutboxMessage.Query().Where(outboxmessage.Template(template)).All(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Recipient)
			}
			return out
		}
		o := submit(t, svc, "clerk")
		if got := sentTo("notify.task"); len(got) != 1 || !strings.HasSuffix(got[0], "/company") {
			t.Fatalf("the task went to %v, want the company channel only", got)
		}
		// a reminder reaches the clerk's own channel, the one that takes reminders
		if _, err := svc.NotifyUser(ctx, clerk, store.Notification{Username: "clerk", Type: "reminder", OrderID: o.ID,
			Data: map[string]any{"task_id": o.Tasks[0].ID, "node": "verify"}}); err != nil {
			t.Fatal(err)
		}
		got := sentTo("notify.reminder")
		if len(got) != 1 || !strings.HasSuffix(got[0], "/slack") {
			t.Fatalf("the reminder went to %v", got)
		}
		m, err := s.Read.OutboxMessage.Query().Where(outboxmessage.Template("notify.reminder")).Only(ctx)
		if err != nil || m.Channel != outbox.Chat || m.Headers[notify.HeaderChannel] == "" || strings.Contains(m.Body, "Bearer") {
			t.Fatalf("reminder message %+v %v", m, err)
		}
		var slack struct{ Text string }
		if err := json.Unmarshal([]byte(m.Body), &slack); err != nil || !strings.Contains(slack.Text, o.Number) {
			t.Fatalf("reminder body %s", m.Body)
		}
		// the clerk opts out of the company channel: the next task goes nowhere
		if _, err := svc.ChooseNotifyKinds(ctx, clerk, company.ID, notify.KindsInput{Kinds: []string{}}); err != nil {
			t.Fatal(err)
		}
		submit(t, svc, "clerk")
		if got := sentTo("notify.task"); len(got) != 1 {
			t.Fatalf("after opting out: %v", got)
		}
		l, err := svc.ListNotifyChannels(ctx, clerk)
		if err != nil || len(l.Items) != 2 || !l.Items[0].Chosen || len(l.Items[0].MyKinds) != 0 || l.Items[0].HasSecret {
			t.Fatalf("list %+v %v", l, err)
		}
		// someone else's channel is not even there
		if err := svc.DeleteNotifyChannel(ctx, actor(t, svc, "manager"), l.Items[1].ID); !isStatus(err, 404) {
			t.Fatalf("delete another's channel: %v", err)
		}
		// bad settings: every problem at its pointer, nothing written
		_, err = svc.CreateNotifyChannel(ctx, clerk, notify.ChannelInput{Type: notify.TypeLine, Address: "ftp://x", Kinds: []string{"gossip"}})
		e, ok := service.AsError(err)
		if !ok || e.Status != 422 || len(e.Errors) < 3 {
			t.Fatalf("bad line channel: %v", err)
		}
		codes := map[string]string{}
		for _, f := range e.Errors {
			codes[f.Pointer] = f.Code
		}
		want := map[string]string{"/kinds": "notify_channel.kinds_each", "/to": "notify_channel.line_to_required",
			"/secret": "notify_channel.line_token_required", "/address": "webhook_url.not_http"}
		if !maps.Equal(codes, want) {
			t.Fatalf("codes %v, want %v", codes, want)
		}
		// in the reader's language, the kinds as data
		if d, m := e.LocalizedDetail("zh-CN"), e.Errors[0].Localized("zh-CN"); d != "渠道设置无效" || m != "每一项须为下列之一：task, reminder, escalation, mention, digest" {
			t.Fatalf("zh-CN: %q %q", d, m)
		}
	})
}

func isStatus(err error, status int) bool {
	e, ok := service.AsError(err)
	return ok && e.Status == status
}
