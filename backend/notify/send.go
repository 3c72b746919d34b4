package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"sluice/backend/ent"
	"sluice/backend/outbox"
	"sluice/backend/seal"
)

// ChatSender delivers the outbox's chat messages (outbox.Chat): it reads the channel the
// message names (HeaderChannel) and adds what the service asks at send time — LINE's
// bearer token, DingTalk's timestamp and signature — so no token is stored with the
// message and a retry hours later is signed afresh.
type ChatSender struct {
	DB      *ent.Client
	Secrets *seal.Key
	// AllowPrivate lets chat URLs reach loopback and private addresses (tests, a
	// demo); Client, when set, is used as it is.
	AllowPrivate bool
	Client       *http.Client
	Now          func() time.Time
}

// Send posts m to its channel's service.
func (s ChatSender) Send(ctx context.Context, m *ent.OutboxMessage) error {
	id, err := strconv.Atoi(m.Headers[HeaderChannel])
	if err != nil {
		return outbox.Permanent(fmt.Errorf("chat message without its channel"))
	}
	c, err := s.DB.NotifyChannel.Get(ctx, id)
	if ent.IsNotFound(err) {
		return outbox.Permanent(fmt.Errorf("channel %d was deleted", id))
	}
	if err != nil {
		return err
	}
	secret, err := s.Secrets.Open(c.Secret, sealContext(c.ID))
	if err != nil {
		return fmt.Errorf("channel %d's secret: %w", id, err)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	target := m.Recipient
	h := http.Header{}
	h.Set(outbox.HeaderIdempotencyKey, m.Key)
	switch c.Type {
	case TypeLine:
		h.Set("Authorization", "Bearer "+secret)
		h.Set("X-Line-Retry-Key", lineRetryKey(m.Key)) // LINE drops a retried push it accepted
	case TypeDingTalk:
		if secret != "" {
			u, err := url.Parse(target)
			if err != nil {
				return outbox.Permanent(err)
			}
			ms := now().UnixMilli()
			q := u.Query()
			q.Set("timestamp", strconv.FormatInt(ms, 10))
			q.Set("sign", DingTalkSign(secret, ms))
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	hc := s.Client
	if hc == nil {
		hc = outbox.GuardedClient(s.AllowPrivate)
	}
	body, err := outbox.Post(ctx, hc, target, h, []byte(m.Body))
	if err != nil {
		return err
	}
	// WeCom and DingTalk answer 200 with an error code in the body.
	if c.Type == TypeWeCom || c.Type == TypeDingTalk {
		var r struct {
			Code *int   `json:"errcode"`
			Msg  string `json:"errmsg"`
		}
		if json.Unmarshal(body, &r) == nil && r.Code != nil && *r.Code != 0 {
			return fmt.Errorf("%s robot answered errcode %d: %s", c.Type, *r.Code, r.Msg)
		}
	}
	return nil
}

// lineRetryKey turns an outbox key into the UUID LINE's X-Line-Retry-Key wants.
func lineRetryKey(key string) string {
	sum := mac([]byte("line-retry-key"), key)
	sum[6] = (sum[6] & 0x0f) | 0x40
	sum[8] = (sum[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
