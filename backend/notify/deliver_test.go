package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sluice/backend/app"
	"sluice/backend/ent/user"
	"sluice/backend/notify"
	"sluice/backend/outbox"
	"sluice/backend/outbox/outboxtest"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
	_ "sluice/plugins/all"
	"sluice/schemas"
)

// got is one request a receiver took.
type got struct {
	path   string
	query  url.Values
	header http.Header
	body   []byte
}

// receiver is a real HTTP server standing in for the chat services: it records what
// arrives and answers as each service does.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got map[string]got // by first path segment (the channel type)
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: map[string]got{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		typ := strings.Split(strings.TrimPrefix(req.URL.Path, "/"), "/")[0]
		r.mu.Lock()
		r.got[typ] = got{req.URL.Path, req.URL.Query(), req.Header.Clone(), b}
		r.mu.Unlock()
		switch typ {
		case "wecom", "dingtalk":
			_, _ = w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
		case "line":
			_, _ = w.Write([]byte(`{}`))
		case "teams":
			_, _ = w.Write([]byte(`1`))
		default:
			_, _ = w.Write([]byte(`ok`))
		}
	}))
	t.Cleanup(r.Close)
	return r
}

const (
	linkKey     = "test-link-key-0123456789abcdefghij"
	signingKey  = "test-webhook-signing-key"
	dingSecret  = "SECtest-dingtalk-secret"
	lineToken   = "line-channel-access-token"
	lineTo      = "U4af4980629abcdef0123456789abcdef"
	linkBase    = "https://sluice.test"
	clerkEmail  = "clerk@sluice.example.com"
	sampleOrder = "orders/small-standard.json"
)

func compose(t testing.TB, s *store.Store) *app.Service {
	t.Helper()
	ctx := context.Background()
	svc, err := app.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.EnsureAdmin(ctx, "admin-pass-123"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	svc.AllowPrivateWebhooks = true
	svc.Notify.LinkBase, svc.Notify.LinkKey = linkBase, []byte(linkKey)
	return svc
}

func submit(t testing.TB, svc *app.Service, as string) *service.OrderView {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), sampleOrder)
	if err != nil {
		t.Fatal(err)
	}
	var req service.SubmitRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	o, _, err := svc.Submit(context.Background(), actor(t, svc, as), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestEveryChannelDeliversItsDocumentedShape: a task opened for the clerk reaches each of
// their channels through the outbox — a real HTTP server per chat service, the
// in-process SMTP server for email — in the shape that service documents, signed where
// it signs.
func TestEveryChannelDeliversItsDocumentedShape(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		svc := compose(t, s)
		rc := newReceiver(t)
		mail := outboxtest.NewSMTP(t)
		clerk := actor(t, svc, "clerk")
		for _, in := range []notify.ChannelInput{
			{Type: notify.TypeEmail, Address: clerkEmail},
			{Type: notify.TypeSlack, Address: rc.URL + "/slack/services/T0/B0/x"},
			{Type: notify.TypeTeams, Address: rc.URL + "/teams/webhookb2/x"},
			{Type: notify.TypeLine, Address: rc.URL + "/line/v2/bot/message/push", To: lineTo, Secret: lineToken},
			{Type: notify.TypeWeCom, Address: rc.URL + "/wecom/cgi-bin/webhook/send?key=abc"},
			{Type: notify.TypeDingTalk, Address: rc.URL + "/dingtalk/robot/send?access_token=abc", Secret: dingSecret},
			{Type: notify.TypeWebhook, Address: rc.URL + "/webhook/hook"},
		} {
			in.Kinds = []string{notify.KindTask}
			if _, err := svc.CreateNotifyChannel(ctx, clerk, in); err != nil {
				t.Fatalf("%s: %v", in.Type, err)
			}
		}
		o := submit(t, svc, "clerk")
		if len(o.Tasks) == 0 || o.Tasks[0].Node != "verify" {
			t.Fatalf("want the verify task open, got %+v", o.Tasks)
		}
		now := time.Now()
		w := outbox.NewWorker(s, map[string]outbox.Sender{
			outbox.Email:   outbox.EmailSender{C: outbox.SMTP{Host: mail.Host, Port: mail.Port, From: "Sluice <sluice@sluice.test>", TLS: outbox.TLSNone}},
			outbox.Webhook: outbox.WebhookSender{Key: signingKey, AllowPrivate: true},
			outbox.Chat:    notify.ChatSender{DB: s.Client, Secrets: svc.Secrets, AllowPrivate: true, Now: func() time.Time { return now }},
		}, outbox.Options{})
		sent, err := w.Pass(ctx)
		if err != nil || sent != 7 {
			t.Fatalf("sent %d (want 7), err %v", sent, err)
		}
		approve := regexp.MustCompile(`^` + regexp.QuoteMeta(linkBase) + `/act/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\?do=approve$`)
		title := "訂單 " + o.Number + " 待您審核" // the clerk's stored language, zh-TW
		check := "客戶名稱與聯絡方式正確"              // the verify node's first checklist item in zh-TW

		t.Run("slack", func(t *testing.T) {
			var b struct {
				Text   string `json:"text"`
				Blocks []struct {
					Type string `json:"type"`
					Text *struct {
						Type string `json:"type"`
						Text string `json:"text"`
					} `json:"text"`
					Fields []struct {
						Type string `json:"type"`
						Text string `json:"text"`
					} `json:"fields"`
					Elements []struct {
						Type string `json:"type"`
						Text struct {
							Type string `json:"type"`
							Text string `json:"text"`
						} `json:"text"`
						URL      string `json:"url"`
						Style    string `json:"style"`
						ActionID string `json:"action_id"`
					} `json:"elements"`
				} `json:"blocks"`
			}
			decode(t, rc.take(t, "slack").body, &b)
			if b.Text != title || len(b.Blocks) < 3 || b.Blocks[0].Type != "section" || b.Blocks[0].Text.Type != "mrkdwn" {
				t.Fatalf("slack message %+v", b)
			}
			var acts, checks bool
			for _, bl := range b.Blocks {
				if bl.Text != nil && strings.Contains(bl.Text.Text, check) {
					checks = true
				}
				if bl.Type == "actions" {
					acts = true
					if len(bl.Elements) != 3 || bl.Elements[0].Type != "button" || bl.Elements[0].Text.Type != "plain_text" ||
						bl.Elements[0].Style != "primary" || !approve.MatchString(bl.Elements[0].URL) || bl.Elements[1].Style != "danger" || bl.Elements[0].ActionID == "" {
						t.Fatalf("slack buttons %+v", bl.Elements)
					}
				}
			}
			if !acts || !checks {
				t.Fatalf("slack blocks lack the buttons or the checklist: %+v", b.Blocks)
			}
		})
		t.Run("teams", func(t *testing.T) {
			var b struct {
				Type        string `json:"type"`
				Attachments []struct {
					ContentType string  `json:"contentType"`
					ContentURL  *string `json:"contentUrl"`
					Content     struct {
						Schema  string `json:"$schema"`
						Type    string `json:"type"`
						Version string `json:"version"`
						Body    []struct {
							Type  string                          `json:"type"`
							Text  string                          `json:"text"`
							Facts []struct{ Title, Value string } `json:"facts"`
						} `json:"body"`
						Actions []struct{ Type, Title, URL string } `json:"actions"`
					} `json:"content"`
				} `json:"attachments"`
			}
			decode(t, rc.take(t, "teams").body, &b)
			if b.Type != "message" || len(b.Attachments) != 1 {
				t.Fatalf("teams message %+v", b)
			}
			c := b.Attachments[0]
			if c.ContentType != "application/vnd.microsoft.card.adaptive" || c.ContentURL != nil || c.Content.Type != "AdaptiveCard" ||
				c.Content.Version == "" || !strings.Contains(c.Content.Schema, "adaptive-card.json") {
				t.Fatalf("teams attachment %+v", c)
			}
			if c.Content.Body[0].Type != "TextBlock" || c.Content.Body[0].Text != title || c.Content.Body[1].Type != "FactSet" || len(c.Content.Body[1].Facts) == 0 {
				t.Fatalf("teams card body %+v", c.Content.Body)
			}
			if len(c.Content.Actions) != 3 || c.Content.Actions[0].Type != "Action.OpenUrl" || !approve.MatchString(c.Content.Actions[0].URL) {
				t.Fatalf("teams actions %+v", c.Content.Actions)
			}
		})
		t.Run("line", func(t *testing.T) {
			g := rc.take(t, "line")
			if g.path != "/line/v2/bot/message/push" || g.header.Get("Authorization") != "Bearer "+lineToken {
				t.Fatalf("line request %s %v", g.path, g.header)
			}
			if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(g.header.Get("X-Line-Retry-Key")) {
				t.Fatalf("X-Line-Retry-Key %q is not a UUID", g.header.Get("X-Line-Retry-Key"))
			}
			var b struct {
				To       string                        `json:"to"`
				Messages []struct{ Type, Text string } `json:"messages"`
			}
			decode(t, g.body, &b)
			if b.To != lineTo || len(b.Messages) != 1 || b.Messages[0].Type != "text" || !strings.HasPrefix(b.Messages[0].Text, title) ||
				!strings.Contains(b.Messages[0].Text, check) || len([]rune(b.Messages[0].Text)) > 5000 {
				t.Fatalf("line push %+v", b)
			}
		})
		t.Run("wecom", func(t *testing.T) {
			var b struct {
				Msgtype  string `json:"msgtype"`
				Markdown struct {
					Content string `json:"content"`
				} `json:"markdown"`
			}
			decode(t, rc.take(t, "wecom").body, &b)
			if b.Msgtype != "markdown" || !strings.Contains(b.Markdown.Content, title) || len(b.Markdown.Content) > 4096 ||
				!strings.Contains(b.Markdown.Content, "]("+linkBase+"/act/") {
				t.Fatalf("wecom message %+v", b)
			}
		})
		t.Run("dingtalk", func(t *testing.T) {
			g := rc.take(t, "dingtalk")
			ts, sign := g.query["timestamp"], g.query["sign"]
			if len(ts) != 1 || len(sign) != 1 || g.query.Get("access_token") != "abc" {
				t.Fatalf("dingtalk query %v", g.query)
			}
			ms, err := strconv.ParseInt(ts[0], 10, 64)
			if err != nil || time.Since(time.UnixMilli(ms)).Abs() > time.Hour {
				t.Fatalf("dingtalk timestamp %q", ts[0])
			}
			// DingTalk's check: Base64(HMAC-SHA256(secret, timestamp + "\n" + secret))
			m := hmac.New(sha256.New, []byte(dingSecret))
			m.Write([]byte(ts[0] + "\n" + dingSecret))
			if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); sign[0] != want {
				t.Fatalf("dingtalk sign %q, want %q", sign[0], want)
			}
			var b struct {
				Msgtype  string                       `json:"msgtype"`
				Markdown struct{ Title, Text string } `json:"markdown"`
			}
			decode(t, g.body, &b)
			if b.Msgtype != "markdown" || b.Markdown.Title != title || !strings.Contains(b.Markdown.Text, check) {
				t.Fatalf("dingtalk message %+v", b)
			}
		})
		t.Run("webhook", func(t *testing.T) {
			g := rc.take(t, "webhook")
			ts := g.header.Get(outbox.HeaderTimestamp)
			m := hmac.New(sha256.New, []byte(signingKey))
			m.Write([]byte(ts + "." + string(g.body)))
			if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); g.header.Get(outbox.HeaderSignature) != want || g.header.Get(outbox.HeaderIdempotencyKey) == "" {
				t.Fatalf("webhook signature %q, want %q", g.header.Get(outbox.HeaderSignature), want)
			}
			var b struct {
				Type, Kind, User, Language, Title string
				Order                             struct{ Number, Customer string }
				Checks                            []string
				Reasons                           []string
				Links                             map[string]string
			}
			decode(t, g.body, &b)
			if b.Type != "sluice.notification" || b.Kind != "task" || b.User != "clerk" || b.Language != "zh-TW" || b.Order.Number != o.Number ||
				b.Order.Customer == "" || len(b.Checks) != 4 || len(b.Reasons) != 3 || !approve.MatchString(b.Links["approve"]) ||
				b.Links["open"] != linkBase+"/orders/"+strconv.Itoa(o.ID) {
				t.Fatalf("webhook body %s", g.body)
			}
		})
		t.Run("email", func(t *testing.T) {
			ms := mail.Mails()
			if len(ms) != 1 || len(ms[0].To) != 1 || ms[0].To[0] != clerkEmail || ms[0].Subject != title {
				t.Fatalf("mails %+v", ms)
			}
			if !strings.Contains(ms[0].Body, check) || !strings.Contains(ms[0].Body, linkBase+"/act/") || !strings.Contains(ms[0].Body, "?do=reject") {
				t.Fatalf("mail body %s", ms[0].Body)
			}
		})
	})
}

func actor(t testing.TB, svc *app.Service, name string) service.Actor {
	t.Helper()
	u, err := svc.Store.Read.User.Query().Where(user.Username(name)).Only(context.Background())
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	return service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}
}

func (r *receiver) take(t *testing.T, typ string) got {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	g, ok := r.got[typ]
	if !ok {
		t.Fatalf("nothing reached the %s receiver", typ)
	}
	return g
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}
