package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"sluice/backend/store/storetest"
)

type traceLine struct {
	Node string         `json:"node"`
	Text string         `json:"text"`
	Msg  map[string]any `json:"msg"`
}

// The rule trace reads in the reader's language: a simulation's in the request's, an
// order's history's in the reader's (lines stored with their message).
func TestTraceSpeaksTheReadersLanguage(t *testing.T) {
	e := start(t, storetest.SQLite(t))
	admin, clerk := e.login("admin"), e.login("clerk")

	var sample struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(sampleBody(t, "small-standard.json"), &sample); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"orders": []any{map[string]any{"data": sample.Data, "department": "sales", "submitter": "clerk"}}}
	simulate := func(lang string) []traceLine {
		r := e.do("POST", "/api/v1/flows/order-review/simulate", admin, body, "Accept-Language", lang)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", lang, r.status, r.body)
		}
		var res struct {
			Results []struct {
				Status string      `json:"status"`
				Error  string      `json:"error"`
				Trace  []traceLine `json:"trace"`
			} `json:"results"`
		}
		r.json(t, &res)
		if len(res.Results) != 1 || res.Results[0].Error != "" || len(res.Results[0].Trace) < 3 {
			t.Fatalf("%s: %s", lang, r.body)
		}
		return res.Results[0].Trace
	}
	en, tw := simulate("en"), simulate("zh-TW")
	if len(en) != len(tw) {
		t.Fatalf("en %d lines, zh-TW %d", len(en), len(tw))
	}
	for i := range en {
		if en[i].Node != tw[i].Node || en[i].Text == tw[i].Text || !han.MatchString(tw[i].Text) || en[i].Msg != nil || tw[i].Msg != nil {
			t.Errorf("line %d: en %+v, zh-TW %+v", i, en[i], tw[i])
		}
	}
	if last := en[len(en)-1].Text; last != "order ends: completed" {
		t.Errorf("the English trace ends %q", last)
	}
	if last := tw[len(tw)-1].Text; last != "訂單結束：已完成" {
		t.Errorf("the zh-TW trace ends %q", last)
	}

	// the order's history: the submission's trace in zh-CN, in English for an en reader
	o := e.submit(clerk, "small-standard.json")
	history := func(lang string) []traceLine {
		r := e.do("GET", fmt.Sprintf("/api/v1/orders/%d/history", o.ID), clerk, nil, "Accept-Language", lang)
		if r.status != 200 {
			t.Fatalf("history %s: %d %s", lang, r.status, r.body)
		}
		var page struct {
			Items []struct {
				Detail struct {
					Trace []traceLine `json:"trace"`
				} `json:"detail"`
			} `json:"items"`
		}
		r.json(t, &page)
		var lines []traceLine
		for _, it := range page.Items {
			lines = append(lines, it.Detail.Trace...)
		}
		if len(lines) == 0 {
			t.Fatalf("history %s has no trace: %s", lang, r.body)
		}
		return lines
	}
	hen, hcn := history("en"), history("zh-CN")
	for i := range hen {
		if han.MatchString(hen[i].Text) || !han.MatchString(hcn[i].Text) || hcn[i].Msg != nil {
			t.Errorf("history line %d: en %+v, zh-CN %+v", i, hen[i], hcn[i])
		}
	}
	if !strings.Contains(hcn[len(hcn)-1].Text, "等待") {
		t.Errorf("zh-CN history ends %q, want the wait for reviewers", hcn[len(hcn)-1].Text)
	}
}
