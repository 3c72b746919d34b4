package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/traditionalchinese"

	"sluice/backend/ent"
	"sluice/backend/ent/channel"
	"sluice/backend/ent/event"
	entorder "sluice/backend/ent/order"
	"sluice/backend/inbound"
	"sluice/backend/intake"
	"sluice/backend/seal"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/backend/store/storetest"
)

// Every order of a test import is its own progress step, so the events can be counted.
func init() { inbound.ImportProgressEvery = 1 }

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../intake/testdata/" + name)
	require.NoError(t, err)
	return b
}

// upload posts a multipart import; empty values are left out.
func (e *env) upload(token, filename string, file []byte, fields map[string]string) resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if v != "" {
			_ = mw.WriteField(k, v)
		}
	}
	if file != nil {
		w, _ := mw.CreateFormFile("file", filename)
		_, _ = w.Write(file)
	}
	_ = mw.Close()
	return e.do("POST", "/api/v1/imports", token, buf.Bytes(), "Content-Type", mw.FormDataContentType())
}

type importJob struct {
	ID       int               `json:"id"`
	Status   string            `json:"status"`
	Encoding string            `json:"encoding"`
	Total    int               `json:"total"`
	Created  int               `json:"created"`
	Skipped  int               `json:"skipped"`
	Failed   int               `json:"failed"`
	Errors   []intake.RowError `json:"errors"`
}

// finish polls an import until the background work is done.
func (e *env) finish(token string, id int) importJob {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := e.do("GET", "/api/v1/imports/"+strconv.Itoa(id), token, nil)
		require.Equal(e.t, 200, r.status, string(r.body))
		var j importJob
		r.json(e.t, &j)
		if j.Status != "running" {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %d still running", id)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) startImport(token, filename string, file []byte, fields map[string]string) importJob {
	e.t.Helper()
	r := e.upload(token, filename, file, fields)
	require.Equal(e.t, http.StatusAccepted, r.status, string(r.body))
	var j importJob
	r.json(e.t, &j)
	require.Equal(e.t, "running", j.Status)
	require.Equal(e.t, "/api/v1/imports/"+strconv.Itoa(j.ID), r.header.Get("Location"))
	return e.finish(token, j.ID)
}

func (e *env) importCounts() (jobs, orders int) {
	ctx := context.Background()
	jobs, _ = e.s.Read.ImportJob.Query().Count(ctx)
	orders, _ = e.s.Read.Order.Query().Count(ctx)
	return
}

func TestImportCSV(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		fields := map[string]string{"flow": "order-review", "mapping": string(testdata(t, "mapping.json"))}
		csv := testdata(t, "orders.csv")

		j := e.startImport(clerk, "orders.csv", csv, fields)
		require.Equal(t, importJob{ID: j.ID, Status: "done", Encoding: "utf-8", Total: 3, Created: 2, Failed: 1,
			Errors: []intake.RowError{{Row: 6, Column: "數量", Code: "value.not_number", Message: `"two" is not a number`}}}, j)
		// the row error is kept as data: each reader reads it in their language, the cell's text a parameter
		for lang, msg := range map[string]string{"zh-TW": "「two」不是數字", "zh-CN": "「two」不是数字"} {
			var jl importJob
			e.do("GET", "/api/v1/imports/"+strconv.Itoa(j.ID), clerk, nil, "Accept-Language", lang).json(t, &jl)
			require.Equal(t, []intake.RowError{{Row: 6, Column: "數量", Code: "value.not_number", Message: msg}}, jl.Errors, lang)
		}
		var page struct{ Items []importJob }
		e.do("GET", "/api/v1/imports", clerk, nil, "Accept-Language", "zh-TW").json(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, "「two」不是數字", page.Items[0].Errors[0].Message)

		ctx := context.Background()
		// a row error stored before they were kept as data reads as it was stored, in any language
		old := s.Client.ImportJob.Create().SetFlowKey("order-review").SetFileHash("old").SetStatus("done").SetTotal(1).SetFailed(1).
			SetCreatedBy("clerk").SetErrors([]map[string]any{{"row": 2, "column": "數量", "message": `"x" is not a number`}}).SaveX(ctx)
		var jo importJob
		e.do("GET", "/api/v1/imports/"+strconv.Itoa(old.ID), clerk, nil, "Accept-Language", "zh-TW").json(t, &jo)
		require.Equal(t, []intake.RowError{{Row: 2, Column: "數量", Message: `"x" is not a number`}}, jo.Errors)
		require.NoError(t, s.Client.ImportJob.DeleteOne(old).Exec(ctx))
		got, err := s.Read.Order.Query().Where(entorder.Source("import")).Order(ent.Asc(entorder.FieldID)).All(ctx)
		require.NoError(t, err)
		require.Len(t, got, 2)
		require.Equal(t, "PO-1001", *got[0].ExternalRef)
		require.Equal(t, "PO-1002", *got[1].ExternalRef)
		require.Equal(t, "clerk", got[0].Submitter)
		require.Equal(t, "sales", got[0].Department)
		require.Equal(t, 50*85.0+10*320, got[0].Total)
		require.Len(t, got[1].Data["items"], 2)

		// Progress: one event per order and a final one, in order, on the uploader's topic.
		evs, err := s.Read.Event.Query().Where(event.Topic("user:clerk"), event.Type("import.progress")).
			Order(ent.Asc(event.FieldSeq)).All(ctx)
		require.NoError(t, err)
		var steps []string
		for _, ev := range evs {
			require.Equal(t, float64(j.ID), ev.Data["id"])
			steps = append(steps, fmt.Sprintf("%v/%v %v", ev.Data["processed"], ev.Data["total"], ev.Data["status"]))
		}
		require.Equal(t, []string{"1/3 running", "2/3 running", "3/3 done"}, steps)

		// The same file again: everything already there, nothing created.
		_, ordersBefore := e.importCounts()
		j2 := e.startImport(clerk, "orders.csv", csv, fields)
		require.Equal(t, 0, j2.Created)
		require.Equal(t, 2, j2.Skipped)
		require.Equal(t, 1, j2.Failed)
		_, ordersAfter := e.importCounts()
		require.Equal(t, ordersBefore, ordersAfter)

		// The file as Excel saves "CSV" on Traditional Chinese Windows (Big5), with new
		// references: detected, and the names arrive intact.
		text := strings.ReplaceAll(strings.TrimPrefix(string(csv), "\ufeff"), "PO-10", "PO-20")
		big5, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(text))
		require.NoError(t, err)
		j3 := e.startImport(clerk, "big5.csv", big5, fields)
		require.Equal(t, "big5", j3.Encoding)
		require.Equal(t, 2, j3.Created, "%+v", j3)
		o, err := s.Read.Order.Query().Where(entorder.ExternalRef("PO-2001")).Only(ctx)
		require.NoError(t, err)
		require.Equal(t, "高雄順達五金行", o.Data["customer"].(map[string]any)["name"])

		// The caller's imports, newest first; someone else's are not theirs to see.
		var list struct{ Items []importJob }
		e.do("GET", "/api/v1/imports", clerk, nil).json(t, &list)
		require.Len(t, list.Items, 3)
		require.Equal(t, j3.ID, list.Items[0].ID)
		require.Equal(t, 404, e.do("GET", "/api/v1/imports/"+strconv.Itoa(j.ID), e.login("manager2"), nil).status)
		require.Equal(t, 200, e.do("GET", "/api/v1/imports/"+strconv.Itoa(j.ID), e.login("admin"), nil).status)
	})
}

// buildXLSX writes rows to a workbook; time values become date cells.
func buildXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	sh := f.GetSheetName(0)
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, f.SetSheetRow(sh, cell, &r))
	}
	var buf bytes.Buffer
	_, err := f.WriteTo(&buf)
	require.NoError(t, err)
	return buf.Bytes()
}

func TestImportXLSX(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		due := time.Date(2026, 8, 15, 0, 0, 0, 0, time.UTC)
		// No mapping: the default one, whose columns the template offers.
		head := []any{"order_ref", "customer.name", "customer.tier", "ship_to.address", "currency", "promised_date", "items.sku", "items.name", "items.qty", "items.price"}
		file := buildXLSX(t, [][]any{
			head,
			{"X-1", "台北精密機械", "vip", "台北市內湖區瑞光路 100 號", "TWD", due, "MTR-750W", "伺服馬達 750W", 2, 3800},
			{"X-2", "新竹電子", "new", "新竹市東區光復路二段 101 號", "TWD", due, "PLC-CPU16", "可程式控制器 CPU16", 1, 6500},
			{"X-2", nil, nil, nil, nil, nil, "bad sku", "編碼器線", 0, 450},
			{"X-3", "x", "gold", "短", "TWD", due, "BRG-6204", "軸承", 1, 85},
		})
		j := e.startImport(clerk, "orders.xlsx", file, map[string]string{"flow": "order-review"})
		require.Equal(t, 3, j.Total)
		require.Equal(t, 1, j.Created)
		require.Equal(t, 2, j.Failed)
		// The form's own errors, put back on their cells.
		var cells []string
		for _, re := range j.Errors {
			require.NotEmpty(t, re.Message)
			cells = append(cells, fmt.Sprintf("%d %s", re.Row, re.Column))
		}
		require.ElementsMatch(t, []string{"4 items.sku", "4 items.qty", "5 customer.tier", "5 ship_to.address"}, cells, "%+v", j.Errors)
		o, err := s.Read.Order.Query().Where(entorder.Source("import"), entorder.ExternalRef("X-1")).Only(context.Background())
		require.NoError(t, err)
		require.Equal(t, "2026-08-15", o.Data["promised_date"], "a date cell becomes an ISO date")

		// The template's header is what the default mapping reads.
		r := e.do("GET", "/api/v1/flows/order-review/import-template.xlsx", clerk, nil)
		require.Equal(t, 200, r.status, string(r.body))
		require.Contains(t, r.header.Get("Content-Disposition"), "order-review-import-template.xlsx")
		tab, err := intake.ReadXLSX(r.body)
		require.NoError(t, err)
		require.Equal(t, []string{"order_ref", "customer.name", "customer.tier", "customer.contact", "ship_to.address", "currency",
			"promised_date", "note", "items.sku", "items.name", "items.qty", "items.price"}, tab.Header)
		m := url.QueryEscape(string(testdata(t, "mapping.json")))
		r = e.do("GET", "/api/v1/flows/order-review/import-template.xlsx?mapping="+m, clerk, nil)
		require.Equal(t, 200, r.status)
		tab, err = intake.ReadXLSX(r.body)
		require.NoError(t, err)
		require.Equal(t, "訂單編號", tab.Header[0])
		require.Equal(t, 404, e.do("GET", "/api/v1/flows/nope/import-template.xlsx", clerk, nil).status)
		require.Equal(t, 403, e.do("GET", "/api/v1/flows/order-review/import-template.xlsx", e.login("warehouse"), nil).status)
	})
}

func TestImportRefusalsWriteNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		warehouse := e.login("warehouse")
		good := string(testdata(t, "mapping.json"))
		csv := testdata(t, "orders.csv")
		withTotal := strings.Replace(good, `"note": "備註"`, `"note": "備註", "total": "合計"`, 1)
		cases := []struct {
			name    string
			token   string
			file    []byte
			fields  map[string]string
			status  int
			pointer string
		}{
			{"computed field mapped", clerk, csv, map[string]string{"flow": "order-review", "mapping": withTotal}, 422, "/mapping/fields/total"},
			{"mapping not JSON", clerk, csv, map[string]string{"flow": "order-review", "mapping": "{"}, 400, "/mapping"},
			{"unknown mapping key", clerk, csv, map[string]string{"flow": "order-review", "mapping": `{"group-by": "x"}`}, 400, "/mapping/group-by"},
			{"item field unknown", clerk, csv, map[string]string{"flow": "order-review", "mapping": `{"items": {"field": "items", "fields": {"colour": "c"}}}`}, 422, "/mapping/items/fields/colour"},
			{"column not in header", clerk, []byte("訂單編號,客戶名稱\nA,b\n"), map[string]string{"flow": "order-review", "mapping": good}, 422, "/mapping/fields/customer.tier"},
			{"no file", clerk, nil, map[string]string{"flow": "order-review", "mapping": good}, 400, "/file"},
			{"not a workbook", clerk, []byte("PK\x03\x04garbage"), map[string]string{"flow": "order-review", "mapping": good}, 400, "/file"},
			{"header only", clerk, []byte("訂單編號,客戶名稱,客戶等級,收貨地址,承諾交期,料號,品名,數量,單價,備註\n"), map[string]string{"flow": "order-review", "mapping": good}, 422, "/file"},
			{"unknown flow", clerk, csv, map[string]string{"flow": "nope", "mapping": good}, 422, "/flow"},
			{"no flow", clerk, csv, map[string]string{"mapping": good}, 422, "/flow"},
			{"may not submit", warehouse, csv, map[string]string{"flow": "order-review", "mapping": good}, 403, ""},
			{"no login", "", csv, map[string]string{"flow": "order-review", "mapping": good}, 401, ""},
			{"unknown encoding", clerk, csv, map[string]string{"flow": "order-review", "mapping": good, "encoding": "shift_jis"}, 422, "/encoding"},
			{"not in the encoding named", clerk, []byte("訂單編號\n\xff\n"), map[string]string{"flow": "order-review", "mapping": good, "encoding": "utf-8"}, 400, "/file"},
		}
		before := e.counts()
		jobs, _ := e.importCounts()
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.upload(tc.token, "orders.csv", tc.file, tc.fields)
				require.Equal(t, tc.status, r.status, string(r.body))
				p := r.problem(t)
				if tc.pointer != "" {
					require.NotEmpty(t, p.Errors, string(r.body))
					require.Equal(t, tc.pointer, p.Errors[0].Pointer, string(r.body))
				}
			})
		}
		after := e.counts()
		jobsAfter, _ := e.importCounts()
		require.Equal(t, before, after)
		require.Equal(t, jobs, jobsAfter)
		// Not multipart at all.
		r := e.do("POST", "/api/v1/imports", clerk, `{"flow":"order-review"}`)
		require.Equal(t, 400, r.status)
		require.Equal(t, before, e.counts())
	})
}

// demoShopSecret is the demo channel's documented secret (schemas/examples/demo.json).
const demoShopSecret = "sluice-demo-shop-secret"

func (e *env) webhook(channel, secret string, body []byte, at time.Time, hdr ...string) resp {
	e.t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	h := []string{"X-Sluice-Timestamp", ts, "X-Sluice-Signature", inbound.Sign(secret, ts, body)}
	return e.do("POST", "/api/v1/channels/"+channel+"/orders", "", body, append(h, hdr...)...)
}

func TestChannelWebhook(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		body := testdata(t, "shop-payload.json")
		now := time.Now()
		before := e.counts()

		refused := []struct {
			name string
			r    func() resp
		}{
			{"wrong secret", func() resp { return e.webhook("shop", "not-the-secret-at-all", body, now) }},
			{"no signature", func() resp { return e.do("POST", "/api/v1/channels/shop/orders", "", body) }},
			{"signature without timestamp", func() resp {
				return e.do("POST", "/api/v1/channels/shop/orders", "", body, "X-Sluice-Signature", inbound.Sign(demoShopSecret, "", body))
			}},
			{"stale", func() resp { return e.webhook("shop", demoShopSecret, body, now.Add(-6*time.Minute)) }},
			{"from the future", func() resp { return e.webhook("shop", demoShopSecret, body, now.Add(6*time.Minute)) }},
			{"body changed after signing", func() resp {
				ts := strconv.FormatInt(now.Unix(), 10)
				return e.do("POST", "/api/v1/channels/shop/orders", "", append(bytes.Clone(body), ' '),
					"X-Sluice-Timestamp", ts, "X-Sluice-Signature", inbound.Sign(demoShopSecret, ts, body))
			}},
			{"unknown channel", func() resp { return e.webhook("nope", demoShopSecret, body, now) }},
			{"session instead of signature", func() resp {
				return e.do("POST", "/api/v1/channels/shop/orders", e.login("admin"), body)
			}},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.r()
				require.Equal(t, 401, r.status, string(r.body))
				r.problem(t)
			})
		}
		require.Equal(t, before.orders, e.counts().orders)
		require.Equal(t, before.events, e.counts().events)

		cnt := e.counts()
		r := e.webhook("shop", demoShopSecret, body, now)
		require.Equal(t, 201, r.status, string(r.body))
		var first service.OrderView
		r.json(t, &first)
		require.Equal(t, "shop", first.Source)
		require.Equal(t, "clerk", first.Submitter)
		require.Equal(t, "sales", first.Department)
		require.Equal(t, 2*3800.0+4*450, first.Total)
		require.Equal(t, cnt.orders+1, e.counts().orders)

		// Resent (a new signature, as a shop's retry would): the same order, nothing new.
		r = e.webhook("shop", demoShopSecret, body, now.Add(time.Second))
		require.Equal(t, 200, r.status, string(r.body))
		var again service.OrderView
		r.json(t, &again)
		require.Equal(t, first.ID, again.ID)
		require.True(t, again.Existing)
		require.Equal(t, cnt.orders+1, e.counts().orders)

		// Payloads that do not fit: 422 pointing into the payload, nothing written.
		cnt = e.counts()
		var p map[string]any
		require.NoError(t, json.Unmarshal(body, &p))
		for _, tc := range []struct {
			name          string
			edit          func(m map[string]any)
			pointer, code string
		}{
			{"quantity not a number", func(m map[string]any) { m["line_items"].([]any)[0].(map[string]any)["quantity"] = "many" }, "/line_items/0/quantity", "value.not_number"},
			{"quantity below the minimum", func(m map[string]any) { m["line_items"].([]any)[1].(map[string]any)["quantity"] = 0 }, "/line_items/1/quantity", "schema.minimum"},
			{"buyer name missing", func(m map[string]any) { delete(m["buyer"].(map[string]any), "name") }, "/buyer/name", "schema.required"},
			{"no order id", func(m map[string]any) { delete(m, "id") }, "/id", "payload.order_id_missing"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var m map[string]any
				require.NoError(t, json.Unmarshal(body, &m))
				m["id"] = "other-" + tc.name
				tc.edit(m)
				b, _ := json.Marshal(m)
				r := e.webhook("shop", demoShopSecret, b, now)
				require.Equal(t, 422, r.status, string(r.body))
				pr := r.problem(t)
				require.NotEmpty(t, pr.Errors)
				require.Equal(t, tc.pointer, pr.Errors[0].Pointer, string(r.body))
				require.Equal(t, tc.code, pr.Errors[0].Code, string(r.body))
			})
		}
		// the shop reads the refusal in the language it asks for, the value as data
		var many map[string]any
		require.NoError(t, json.Unmarshal(body, &many))
		many["id"], many["line_items"].([]any)[0].(map[string]any)["quantity"] = "other-many", "many"
		b, _ := json.Marshal(many)
		r = e.webhook("shop", demoShopSecret, b, now, "Accept-Language", "zh-TW")
		require.Equal(t, 422, r.status, string(r.body))
		require.Equal(t, "傳來的資料不符合此通路的對應", r.problem(t).Detail)
		require.Equal(t, "「many」不是數字", r.problem(t).Errors[0].Message)
		r = e.webhook("shop", demoShopSecret, []byte(`{"id": 1,`), now)
		require.Equal(t, 400, r.status)
		require.Equal(t, cnt, e.counts())
	})
}

func TestChannelAdmin(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		admin := e.login("admin")
		clerk := e.login("clerk")

		r := e.do("GET", "/api/v1/channels", admin, nil)
		require.Equal(t, 200, r.status)
		require.NotContains(t, string(r.body), demoShopSecret)
		var list struct{ Items []inbound.ChannelView }
		r.json(t, &list)
		require.Len(t, list.Items, 1)
		require.Equal(t, "shop", list.Items[0].Key)
		require.Equal(t, "*****", list.Items[0].Secret)
		require.Equal(t, 403, e.do("GET", "/api/v1/channels", clerk, nil).status)

		mapping := json.RawMessage(testdata(t, "shop-mapping.json"))
		in := inbound.ChannelInput{Key: "market", Name: "Market", Flow: "order-review", Department: "sales", Submitter: "clerk",
			Secret: "market-secret-0123456789", Mapping: mapping}
		before := e.counts()
		require.Equal(t, 403, e.do("POST", "/api/v1/channels", clerk, in).status)
		for _, tc := range []struct {
			edit          func(c *inbound.ChannelInput)
			pointer, code string
		}{
			{func(c *inbound.ChannelInput) {
				c.Mapping = json.RawMessage(`{"order_id": "/id", "fields": {"total": "/t"}}`)
			}, "/mapping/fields/total", "mapping.computed"},
			{func(c *inbound.ChannelInput) { c.Mapping = json.RawMessage(`{"order_id": "/id", "feilds": {}}`) }, "/mapping/feilds", "mapping.unknown_key"},
			{func(c *inbound.ChannelInput) { c.Secret = "short" }, "/secret", "channel.secret_short"},
			{func(c *inbound.ChannelInput) { c.Submitter = "warehouse" }, "/submitter", "channel.submitter_may_not_submit"},
			{func(c *inbound.ChannelInput) { c.Department = "nowhere" }, "/department", "department.unknown"},
			{func(c *inbound.ChannelInput) { c.Flow = "nope" }, "/flow", "flow.unpublished"},
			{func(c *inbound.ChannelInput) { c.Key = "Bad Key" }, "/key", "key.pattern"},
		} {
			c := in
			tc.edit(&c)
			r := e.do("POST", "/api/v1/channels", admin, c)
			require.Equal(t, 422, r.status, string(r.body))
			require.Equal(t, tc.pointer, r.problem(t).Errors[0].Pointer, string(r.body))
			require.Equal(t, tc.code, r.problem(t).Errors[0].Code, string(r.body))
		}
		// in zh-CN, the names as data
		bad := in
		bad.Submitter = "warehouse"
		r = e.do("POST", "/api/v1/channels", admin, bad, "Accept-Language", "zh-CN")
		require.Equal(t, "渠道设置无效", r.problem(t).Detail)
		require.Equal(t, "warehouse 没有在 sales 提交订单的权限", r.problem(t).Errors[0].Message)
		require.Equal(t, before, e.counts())

		r = e.do("POST", "/api/v1/channels", admin, in)
		require.Equal(t, 201, r.status, string(r.body))
		require.NotContains(t, string(r.body), in.Secret)
		require.Equal(t, 409, e.do("POST", "/api/v1/channels", admin, in).status)

		body := []byte(`{"id": "M-1", "buyer": {"name": "市集買家"}, "shipping": {"address": "台南市東區大學路 1 號", "deliver_by": "2026-12-01"},
			"line_items": [{"sku": "BRG-6204", "title": "軸承", "quantity": 3, "unit_price": 85}]}`)
		require.Equal(t, 201, e.webhook("market", in.Secret, body, time.Now()).status)

		// A new secret: the old one stops working at once. An empty secret keeps it.
		upd := in
		upd.Key, upd.Secret = "", "market-secret-rotated-000"
		r = e.do("PUT", "/api/v1/channels/market", admin, upd)
		require.Equal(t, 200, r.status, string(r.body))
		require.Equal(t, 401, e.webhook("market", in.Secret, body, time.Now()).status)
		require.Equal(t, 200, e.webhook("market", upd.Secret, body, time.Now()).status)
		upd.Secret, upd.Name = "", "Market renamed"
		disabled := false
		upd.Enabled = &disabled
		require.Equal(t, 200, e.do("PUT", "/api/v1/channels/market", admin, upd).status)
		require.Equal(t, 403, e.webhook("market", "market-secret-rotated-000", body, time.Now()).status)
		require.Equal(t, 404, e.do("PUT", "/api/v1/channels/ghost", admin, upd).status)
		upd.Key = "other"
		require.Equal(t, 422, e.do("PUT", "/api/v1/channels/market", admin, upd).status)
	})
}

// readExport opens an exported workbook and returns its rows.
func readExport(t *testing.T, r resp) [][]string {
	t.Helper()
	require.Equal(t, 200, r.status, string(r.body))
	require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", r.header.Get("Content-Type"))
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	require.NoError(t, err)
	return rows
}

func TestExportOrders(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk := e.login("clerk")
		manager2 := e.login("manager2")
		var mine []order
		for _, f := range []string{"small-standard.json", "large-vip.json"} {
			r := e.do("POST", "/api/v1/orders", clerk, sampleBody(t, f))
			require.Equal(t, 201, r.status, string(r.body))
			var o order
			r.json(t, &o)
			mine = append(mine, o)
		}
		r := e.do("POST", "/api/v1/orders", manager2, sampleBody(t, "small-standard.json"))
		require.Equal(t, 201, r.status, string(r.body))
		var south order
		r.json(t, &south)

		rows := readExport(t, e.do("GET", "/api/v1/orders/export.xlsx?lang=en", clerk, nil))
		require.Equal(t, []string{"Number", "Flow", "Status", "Department", "Submitter", "Customer", "Total", "Created (UTC)", "Current steps",
			"Currency", "Promised date", "Total", "Note"}, rows[0]) // the form's titles in English
		require.Len(t, rows, 3, "the clerk sees sales' orders, not sales-south's")
		require.Equal(t, mine[1].Number, rows[1][0], "newest first")
		require.Equal(t, mine[0].Number, rows[2][0])
		require.Equal(t, "in_review", rows[2][2])
		require.Equal(t, "sales", rows[2][3])
		require.Equal(t, "高雄順達五金行", rows[2][5])
		require.Equal(t, "7450", rows[2][6])
		require.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`, rows[2][7])
		require.NotEmpty(t, rows[2][8])
		require.Equal(t, "TWD", rows[2][9])
		for _, row := range rows[1:] {
			require.NotEqual(t, south.Number, row[0])
		}

		// Language from Accept-Language; zh-TW by default; the list's filters apply.
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx", clerk, nil, "Accept-Language", "en;q=0.5, zh-CN;q=0.9"))
		require.Equal(t, "订单编号", rows[0][0])
		require.Equal(t, "币别", rows[0][9])
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx?q="+url.QueryEscape(mine[0].Number), clerk, nil, "Accept-Language", ""))
		require.Equal(t, "訂單編號", rows[0][0])
		require.Equal(t, "幣別", rows[0][9])
		require.Len(t, rows, 2)
		require.Equal(t, mine[0].Number, rows[1][0])
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx?status=approved", clerk, nil))
		require.Len(t, rows, 1)

		cell := func(row []string, i int) string {
			if i < len(row) {
				return row[i]
			}
			return ""
		}
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx?lang=en", clerk, nil))
		require.Equal(t, mine[1].Number, rows[1][0])
		require.NotEmpty(t, cell(rows[1], 12), "the submitter sees the note")

		// Finance reads every department; manager2 only their own.
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx?lang=en", e.login("finance"), nil))
		require.Len(t, rows, 4)
		for _, row := range rows[1:] {
			require.Empty(t, cell(row, 12), "a field a review node hides is not exported to others")
		}
		rows = readExport(t, e.do("GET", "/api/v1/orders/export.xlsx", manager2, nil))
		require.Len(t, rows, 2)
		require.Equal(t, south.Number, rows[1][0])
		r = e.do("GET", "/api/v1/orders/export.xlsx?department=sales", manager2, nil)
		require.Equal(t, 403, r.status)
		r.problem(t)
		require.Equal(t, 400, e.do("GET", "/api/v1/orders/export.xlsx?lang=fr", clerk, nil).status)
		require.Equal(t, 401, e.do("GET", "/api/v1/orders/export.xlsx", "", nil).status)
	})
}

// With secrets.key, channel secrets are sealed in the database: the rows hold no usable
// secret, webhooks still verify, the ones stored before the key are sealed at start, and
// a server without the key says so instead of calling the sender's signature wrong.
func TestChannelSecretsSealed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := start(t, s)
		stored := func(key string) string {
			c, err := s.Read.Channel.Query().Where(channel.Key(key)).Only(ctx)
			require.NoError(t, err)
			return c.Secret
		}
		require.Equal(t, demoShopSecret, stored("shop")) // no key yet: as given

		raw := make([]byte, seal.KeySize)
		for i := range raw {
			raw[i] = byte(i * 7)
		}
		key, err := seal.ParseKey(base64.StdEncoding.EncodeToString(raw))
		require.NoError(t, err)
		e.svc.Secrets = key
		n, unreadable, err := e.svc.SealSecrets(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Empty(t, unreadable)
		require.True(t, seal.Sealed(stored("shop")))
		require.NotContains(t, stored("shop"), demoShopSecret)
		n, _, err = e.svc.SealSecrets(ctx)
		require.NoError(t, err)
		require.Zero(t, n, "sealed twice")

		body := testdata(t, "shop-payload.json")
		r := e.webhook("shop", demoShopSecret, body, time.Now())
		require.Equal(t, 201, r.status, string(r.body))
		require.Equal(t, 401, e.webhook("shop", stored("shop"), body, time.Now()).status, "the stored value is not the secret")

		// a new channel and a changed secret are sealed as they are written
		admin := e.login("admin")
		in := inbound.ChannelInput{Key: "market", Name: "Market", Flow: "order-review", Department: "sales", Submitter: "clerk",
			Secret: "market-secret-0123456789", Mapping: json.RawMessage(testdata(t, "shop-mapping.json"))}
		require.Equal(t, 201, e.do("POST", "/api/v1/channels", admin, in).status)
		require.True(t, seal.Sealed(stored("market")))
		in.Secret = "market-secret-changed-9876"
		require.Equal(t, 200, e.do("PUT", "/api/v1/channels/market", admin, in).status)
		require.True(t, seal.Sealed(stored("market")))
		other := []byte(strings.Replace(string(body), `"id"`, `"id": "M-2", "old_id"`, 1))
		require.Equal(t, 201, e.webhook("market", "market-secret-changed-9876", other, time.Now()).status)

		// rotation: a new key with the old one as previous re-seals both at start, after
		// which the new key alone opens them; a key that knows neither leaves them alone
		for i := range raw {
			raw[i] = byte(255 - i)
		}
		next, err := seal.ParseKey(base64.StdEncoding.EncodeToString(raw))
		require.NoError(t, err)
		wasShop := stored("shop")
		e.svc.Secrets = next
		n, unreadable, err = e.svc.SealSecrets(ctx)
		require.NoError(t, err)
		require.Zero(t, n)
		require.ElementsMatch(t, []string{"shop", "market"}, unreadable)
		require.Equal(t, wasShop, stored("shop"), "an unreadable secret is left as it is")
		e.svc.Secrets = next.Rotating(key)
		n, unreadable, err = e.svc.SealSecrets(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.Empty(t, unreadable)
		require.NotEqual(t, wasShop, stored("shop"))
		e.svc.Secrets = next
		fourth := []byte(strings.Replace(string(body), `"id"`, `"id": "S-4", "old_id"`, 1))
		require.Equal(t, 201, e.webhook("shop", demoShopSecret, fourth, time.Now()).status)

		// a server without the key: 503, nothing written
		e.svc.Secrets = nil
		before := e.counts()
		third := []byte(strings.Replace(string(body), `"id"`, `"id": "S-3", "old_id"`, 1))
		r = e.webhook("shop", demoShopSecret, third, time.Now())
		require.Equal(t, 503, r.status, string(r.body))
		require.Contains(t, r.problem(t).Detail, "secrets.key")
		require.Equal(t, before, e.counts())
	})
}

// preview posts a multipart upload to /imports/preview.
func (e *env) preview(token, filename string, file []byte, fields map[string]string) resp {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	w, _ := mw.CreateFormFile("file", filename)
	_, _ = w.Write(file)
	_ = mw.Close()
	return e.do("POST", "/api/v1/imports/preview", token, buf.Bytes(), "Content-Type", mw.FormDataContentType())
}

// A file with the form's titles as headers and no mapping maps itself (UTF-8 and Big5,
// detected); the preview shows the head and the suggested mapping and writes nothing;
// an import whose every order fails is failed, not done.
func TestImportPreviewAndAutoMapping(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		e := start(t, s)
		clerk, warehouse := e.login("clerk"), e.login("warehouse")
		var want intake.TableMapping
		require.NoError(t, json.Unmarshal(testdata(t, "mapping.json"), &want))
		before := e.counts()
		jobs, _ := e.importCounts()
		for _, name := range []string{"orders.csv", "orders-big5.csv"} {
			r := e.preview(clerk, name, testdata(t, name), map[string]string{"flow": "order-review"})
			require.Equal(t, 200, r.status, string(r.body))
			var p inbound.ImportPreview
			r.json(t, &p)
			require.Equal(t, map[string]string{"orders.csv": "utf-8", "orders-big5.csv": "big5"}[name], p.Encoding)
			require.Equal(t, "訂單編號", p.Header[0])
			require.Equal(t, 5, p.Total) // data rows; the blank one is not counted
			require.Len(t, p.Rows, inbound.PreviewRows)
			require.Equal(t, "高雄順達五金行", p.Rows[0][1])
			require.Equal(t, &want, p.Mapping, name)
			require.Empty(t, p.Missing)
			var paths []string
			for _, f := range p.Fields {
				paths = append(paths, f.Items+":"+f.Path)
			}
			require.Equal(t, []string{":customer.name", ":customer.tier", ":customer.contact", ":ship_to.address", ":currency",
				":promised_date", ":note", "items:sku", "items:name", "items:qty", "items:price"}, paths)
		}
		// headers that name nothing: every required field is missing
		r := e.preview(clerk, "x.csv", []byte("a,b\n1,2\n"), map[string]string{"flow": "order-review"})
		require.Equal(t, 200, r.status, string(r.body))
		var p inbound.ImportPreview
		r.json(t, &p)
		require.Empty(t, p.Mapping.Fields)
		require.Len(t, p.Missing, 8, "%+v", p.Missing) // name, tier, address, promised date; sku, name, qty, price
		for _, bad := range []struct {
			token  string
			fields map[string]string
			file   []byte
			status int
		}{
			{clerk, map[string]string{"flow": "nope"}, []byte("a\n1\n"), 422},
			{clerk, map[string]string{"flow": "order-review", "encoding": "ebcdic"}, []byte("a\n1\n"), 422},
			{clerk, map[string]string{"flow": "order-review", "encoding": "utf-8"}, []byte("a\n\xff\n"), 400},
			{warehouse, map[string]string{"flow": "order-review"}, []byte("a\n1\n"), 403},
		} {
			require.Equal(t, bad.status, e.preview(bad.token, "x.csv", bad.file, bad.fields).status)
		}
		require.Equal(t, before, e.counts())
		jobsAfter, _ := e.importCounts()
		require.Equal(t, jobs, jobsAfter)

		// no mapping: the headers map themselves, as the hand-written mapping does
		j := e.startImport(clerk, "orders.csv", testdata(t, "orders.csv"), map[string]string{"flow": "order-review"})
		require.Equal(t, importJob{ID: j.ID, Status: "done", Encoding: "utf-8", Total: 3, Created: 2, Failed: 1,
			Errors: []intake.RowError{{Row: 6, Column: "數量", Code: "value.not_number", Message: `"two" is not a number`}}}, j)
		j2 := e.startImport(clerk, "orders-big5.csv", testdata(t, "orders-big5.csv"), map[string]string{"flow": "order-review"})
		require.Equal(t, "big5", j2.Encoding)
		require.Equal(t, 2, j2.Created, "%+v", j2)

		// every order fails: the job failed
		bad := "訂單編號,客戶名稱,客戶等級,收貨地址,承諾交期,料號,品名,數量,單價\n" +
			"X-1,甲,standard,台北市信義路一段 1 號,2026-09-01,BRG-6204,軸承,two,85\n" +
			"X-2,乙,standard,台北市信義路一段 2 號,2026-09-01,BRG-6204,軸承,-3,85\n"
		j3 := e.startImport(clerk, "bad.csv", []byte(bad), map[string]string{"flow": "order-review"})
		require.Equal(t, "failed", j3.Status, "%+v", j3)
		require.Equal(t, 2, j3.Failed)
		require.Equal(t, 2, j3.Total)
		require.GreaterOrEqual(t, len(j3.Errors), 2)

		// no header names a field: refused, nothing recorded
		r = e.upload(clerk, "x.csv", []byte("a,b\n1,2\n"), map[string]string{"flow": "order-review"})
		require.Equal(t, 422, r.status, string(r.body))
		require.Equal(t, "/mapping", r.problem(t).Errors[0].Pointer)
	})
}
