package notify_test

import (
	"context"
	"testing"

	"sluice/backend/notify"
	"sluice/backend/store/storetest"
)

// BenchmarkSubmitNotifies measures a submit (SQLite) that opens a task for the clerk,
// with no channel anywhere (the hook's one query) and with the clerk's seven channels
// (seven outbox messages and links written in the submit's transaction).
func BenchmarkSubmitNotifies(b *testing.B) {
	for _, channels := range []int{0, 7} {
		b.Run(map[int]string{0: "no-channels", 7: "seven-channels"}[channels], func(b *testing.B) {
			s := storetest.SQLite(b)
			svc := compose(b, s)
			clerk := actor(b, svc, "clerk")
			types := []string{notify.TypeEmail, notify.TypeSlack, notify.TypeTeams, notify.TypeLine, notify.TypeWeCom, notify.TypeDingTalk, notify.TypeWebhook}
			for _, typ := range types[:channels] {
				in := notify.ChannelInput{Type: typ, Address: "http://127.0.0.1:9/x", Kinds: []string{notify.KindTask}}
				switch typ {
				case notify.TypeEmail:
					in.Address = clerkEmail
				case notify.TypeLine:
					in.To, in.Secret = lineTo, lineToken
				}
				if _, err := svc.CreateNotifyChannel(context.Background(), clerk, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for range b.N {
				submit(b, svc, "clerk")
			}
		})
	}
}
