package definitions

import (
	"os"
	"strings"
	"testing"
)

func TestCheckCondition(t *testing.T) {
	body, err := os.ReadFile("../../schemas/examples/forms/order.json")
	if err != nil {
		t.Fatal(err)
	}
	form, probs := ParseForm(body)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if errs := CheckCondition(form, `order.total >= 50000`); errs != nil {
		t.Fatalf("valid condition: %v", errs)
	}
	cases := []struct {
		src, want, code string
		pos             bool
	}{
		{`order.total >=`, "", "definition.expr.invalid", true},
		{`order.totl > 5`, "totl", "definition.expr.unknown_field", true},
		{`order.total + 1`, "true or false", "definition.expr.not_boolean", false},
		{`  `, "empty", "definition.expr.empty", false},
	}
	for _, c := range cases {
		errs := CheckCondition(form, c.src)
		if len(errs) != 1 || !strings.Contains(errs[0].Message, c.want) || (c.pos && errs[0].Position < 1) || errs[0].Code != c.code {
			t.Errorf("%q: %+v", c.src, errs)
		}
		// the reader's language, without the column either
		if zh := errs[0].Localized("zh-TW"); zh == errs[0].Message || strings.Contains(zh, "字元") {
			t.Errorf("%q in zh-TW: %q", c.src, zh)
		}
		if strings.Contains(errs[0].Message, "column ") {
			t.Errorf("%q: the column stays in the message: %q", c.src, errs[0].Message)
		}
	}
	if errs := CheckCondition(form, `1 < 2 && order.totl > 5`); len(errs) != 1 || errs[0].Position != 16 { // at "totl"
		t.Errorf("unknown field column: %+v", errs)
	}
	// each unknown field is an error of its own, with its own column
	if errs := CheckCondition(form, `order.totl > 5 || order.nte == ""`); len(errs) != 2 || errs[0].Position != 7 || errs[1].Position != 25 ||
		errs[1].Params["Field"] != "nte" {
		t.Errorf("two unknown fields: %+v", errs)
	}
	// without a form, any order field is allowed but syntax is still checked
	if errs := CheckCondition(nil, `order.anything > 1`); errs != nil {
		t.Fatalf("no form: %v", errs)
	}
	if errs := CheckCondition(nil, `order.x >`); len(errs) != 1 {
		t.Fatalf("no form, bad syntax: %v", errs)
	}
}
