package service

import (
	"encoding/json"
	"testing"

	"sluice/backend/engine"
	"sluice/backend/i18n"
)

// A stored trace reads in the reader's language where its lines carry their message;
// a line stored before that keeps its English text, and the stored detail is not changed.
func TestLocalTraceRendersStoredLines(t *testing.T) {
	line := engine.ExceptionLine("verify", "stock", "plugin p failed: boom",
		i18n.M("exception.plugin_failed", i18n.Params{"Plugin": "p", "Error": "boom"}))
	b, err := json.Marshal(map[string]any{"trace": []any{line, map[string]any{"node": "old", "text": "approved by amy (1 of 2 needed)"}}, "x": 1})
	if err != nil {
		t.Fatal(err)
	}
	var stored map[string]any
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	got := localTrace("zh-CN", stored)["trace"].([]any)
	want := []any{
		map[string]any{"node": "verify", "text": "异常（库存）：插件 p 执行失败：boom"},
		map[string]any{"node": "old", "text": "approved by amy (1 of 2 needed)"},
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Errorf("zh-CN trace %s, want %s", g, w)
	}
	if _, ok := stored["trace"].([]any)[0].(map[string]any)["msg"]; !ok {
		t.Error("localTrace changed the stored detail")
	}
	if line.Text != "exception (stock): plugin p failed: boom" {
		t.Errorf("English text %q", line.Text)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
