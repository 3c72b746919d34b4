package api_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"sluice/backend/api"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// codes are a problem's language-independent parts: its type and its field errors'
// pointers and codes.
func codes(p api.Problem) []string {
	out := []string{p.Type}
	for _, f := range p.Errors {
		out = append(out, f.Pointer+" "+f.Code)
	}
	return out
}

var (
	han         = regexp.MustCompile(`\p{Han}`)
	latinWord   = regexp.MustCompile(`\b[a-z]{4,}\b`) // an English word (codes and names are data)
	traditional = regexp.MustCompile(`[個與須為這請資訊項數據檔錄單設點應該類還無權線]`)
)

// The same 422 (an order that does not match its form) reads in zh-TW, zh-CN and en,
// chosen by Accept-Language and, overriding it, by the user's own setting (PATCH /me);
// its type, pointers and codes do not change with the language.
func TestProblemSpeaksTheUsersLanguage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		bad := `{"flow":"order-review","data":{"customer":{"name":"x","tier":"gold"},"items":[],"currency":"TWD"}}`
		submit := func(accept string) api.Problem {
			r := e.do("POST", "/api/v1/orders", clerk, bad, "Accept-Language", accept)
			if r.status != 422 {
				t.Fatalf("%s: %d %s", accept, r.status, r.body)
			}
			return r.problem(t)
		}
		en, tw, cn := submit("en-GB,en;q=0.9"), submit("zh-TW"), submit("zh-CN,zh;q=0.9")
		none := submit("fr") // nothing it speaks: zh-TW
		if len(en.Errors) == 0 {
			t.Fatalf("no field errors: %+v", en)
		}
		for _, p := range []api.Problem{en, tw, cn} {
			t.Logf("%s | %s | %s: %s (%s)", p.Title, p.Detail, p.Errors[0].Pointer, p.Errors[0].Message, p.Errors[0].Code)
		}
		for _, p := range []api.Problem{tw, cn, none} {
			if !slices.Equal(codes(p), codes(en)) {
				t.Fatalf("codes differ by language: %v vs %v", codes(p), codes(en))
			}
		}
		if en.Title != "Unprocessable Entity" || en.Detail != "the order does not match its form" {
			t.Errorf("en: %q %q", en.Title, en.Detail)
		}
		for _, f := range en.Errors {
			if f.Code == "" || f.Code == "invalid" || han.MatchString(f.Message) {
				t.Errorf("en field error %+v", f)
			}
		}
		for name, p := range map[string]api.Problem{"zh-TW": tw, "zh-CN": cn, "fr→zh-TW": none} {
			if !han.MatchString(p.Title) || !han.MatchString(p.Detail) || latinWord.MatchString(p.Title+p.Detail) {
				t.Errorf("%s: %q %q", name, p.Title, p.Detail)
			}
			for _, f := range p.Errors {
				if !han.MatchString(f.Message) {
					t.Errorf("%s field error not translated: %+v", name, f)
				}
			}
		}
		if tw.Detail != none.Detail || tw.Detail == cn.Detail || traditional.MatchString(cn.Detail+cn.Title) {
			t.Errorf("zh-TW %q, zh-CN %q", tw.Detail, cn.Detail)
		}

		// the user's own setting beats Accept-Language, and "" follows it again
		r := e.do("PATCH", "/api/v1/me", clerk, `{"language":"zh-CN"}`)
		if r.status != 200 {
			t.Fatalf("PATCH /me: %d %s", r.status, r.body)
		}
		var me struct {
			User struct{ Language string } `json:"user"`
		}
		r.json(t, &me)
		if me.User.Language != "zh-CN" {
			t.Fatalf("language %q", me.User.Language)
		}
		if p := submit("en"); p.Detail != cn.Detail || !slices.Equal(codes(p), codes(en)) {
			t.Errorf("own setting zh-CN, Accept-Language en: %q", p.Detail)
		}
		if r := e.do("PATCH", "/api/v1/me", clerk, `{"language":""}`); r.status != 200 {
			t.Fatalf("PATCH /me: %d %s", r.status, r.body)
		}
		if p := submit("en"); p.Detail != en.Detail {
			t.Errorf("setting cleared, Accept-Language en: %q", p.Detail)
		}

		// an unknown language is refused with a code, in the request's language
		r = e.do("PATCH", "/api/v1/me", clerk, `{"language":"fr"}`, "Accept-Language", "zh-TW")
		if r.status != 422 {
			t.Fatalf("PATCH /me fr: %d %s", r.status, r.body)
		}
		p := r.problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/language" || p.Errors[0].Code != "language.unknown_or_empty" || !han.MatchString(p.Errors[0].Message) {
			t.Errorf("PATCH /me fr: %+v", p)
		}
		// a 401 before anyone is known follows Accept-Language
		if p := e.do("GET", "/api/v1/me", "", nil, "Accept-Language", "zh-CN").problem(t); p.Detail != "请先登录" {
			t.Errorf("401 zh-CN: %q", p.Detail)
		}
	})
}

// A notification built from a catalogue key is stored in its recipient's language
// (their own setting, else their account's locale) and listed in the reader's language
// of the moment; its parameters stay data.
func TestNotificationSpeaksTheReadersLanguage(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		if r := e.do("PATCH", "/api/v1/me", clerk, `{"language":"en"}`); r.status != 200 {
			t.Fatalf("PATCH /me: %d %s", r.status, r.body)
		}
		ctx := context.Background()
		if _, err := e.svc.NotifyUser(ctx, service.Actor{Username: "system"}, storeNotification("clerk")); err != nil {
			t.Fatal(err)
		}
		row, err := s.Read.Notification.Query().Only(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if row.Title != "Low stock: SKU-1 at main has 3 left (below 10)" {
			t.Errorf("stored title %q (the recipient reads English)", row.Title)
		}
		list := func() string {
			r := e.do("GET", "/api/v1/notifications", clerk, nil, "Accept-Language", "zh-CN")
			var page struct {
				Items []struct{ Title string } `json:"items"`
			}
			r.json(t, &page)
			if len(page.Items) != 1 {
				t.Fatalf("items: %s", r.body)
			}
			return page.Items[0].Title
		}
		if got := list(); got != row.Title {
			t.Errorf("listed with the own setting en: %q", got)
		}
		if r := e.do("PATCH", "/api/v1/me", clerk, `{"language":""}`); r.status != 200 {
			t.Fatalf("PATCH /me: %d %s", r.status, r.body)
		}
		if got := list(); got != "库存偏低：SKU-1 在 main 剩 3（低于 10）" {
			t.Errorf("listed by Accept-Language zh-CN: %q", got)
		}
	})
}

func storeNotification(user string) store.Notification {
	return store.Notification{Username: user, Type: "stock.low", Key: "notice.stock_low",
		Params: map[string]any{"SKU": "SKU-1", "Warehouse": "main", "Available": 3, "Threshold": 10}}
}
