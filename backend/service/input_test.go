package service

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestScanJSON(t *testing.T) {
	many := "[" + strings.Repeat("1,", MaxItems) + "1]"
	for _, tc := range []struct {
		name, body, typ, pointer string
	}{
		{"fine", `{"a":[{"b":"c"},1.5,null,true],"d~/e":{}}`, "", ""},
		{"malformed is left to the decoder", `{"a":`, "", ""},
		{"empty is left to the decoder", ``, "", ""},
		{"null", `null`, TypeNotObject, ""},
		{"list", ` [1]`, TypeNotObject, ""},
		{"escaped NUL", `{"a":{"b":["x","y\u0000"]}}`, TypeInvalidText, "/a/b/1"},
		{"NUL in a name", `{"a":{"b\u0000":1}}`, TypeInvalidText, "/a/b\x00"},
		{"pointer escapes", `{"a/b":{"c~d":"\u0000"}}`, TypeInvalidText, "/a~1b/c~0d"},
		{"invalid UTF-8", "{\"a\":[1,\"\xff\"]}", TypeInvalidText, "/a/1"},
		{"truncated UTF-8 sequence", "{\"a\":\"\xe4\xb8\"}", TypeInvalidText, "/a"},
		{"lone surrogate becomes U+FFFD", `{"a":"\ud800"}`, "", ""},
		{"long string", `{"a":"` + strings.Repeat("字", MaxText+1) + `"}`, TypeTooLong, "/a"},
		{"string at the bound", `{"a":"` + strings.Repeat("字", MaxText) + `"}`, "", ""},
		{"long list", `{"a":{"b":` + many + `}}`, TypeTooLong, "/a/b"},
		{"list of objects", `{"a":[` + strings.Repeat("{},", MaxItems) + `{}]}`, TypeTooLong, "/a"},
		{"1e400", `{"a":[0,1e400]}`, TypeOutOfRange, "/a/1"},
		{"2^63", `{"a":9223372036854775808}`, TypeOutOfRange, "/a"},
		{"2^53", `{"a":-9007199254740992}`, "", ""},
		{"2^53+2", `{"a":9007199254740994}`, TypeOutOfRange, "/a"},
		{"after the object", `{"a":1} "\u0000"`, "", ""},
	} {
		e := ScanJSON([]byte(tc.body))
		if tc.typ == "" {
			if e != nil {
				t.Errorf("%s: refused %v", tc.name, e)
			}
			continue
		}
		if e == nil || e.Status != 400 || e.Type != tc.typ || len(e.Errors) != 1 || e.Errors[0].Pointer != tc.pointer {
			t.Errorf("%s: got %+v, want %s at %q", tc.name, e, tc.typ, tc.pointer)
		}
	}
}

func TestCheckLimits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       any
		pointer string
	}{
		// the cases whose input types moved to feature packages are in backend/app/input_test.go
		{"list", &ActionRequest{Checklist: make([]bool, 201)}, "/checklist"},
		{"embedded struct", &BatchRequest{ActionRequest: ActionRequest{Comment: strings.Repeat("c", 2001)}}, "/comment"},
	} {
		e := CheckLimits(tc.v)
		switch {
		case tc.pointer == "" && e != nil:
			t.Errorf("%s: refused %v", tc.name, e)
		case tc.pointer != "" && (e == nil || e.Errors[0].Pointer != tc.pointer):
			t.Errorf("%s: got %+v, want %q", tc.name, e, tc.pointer)
		}
	}
}

// FuzzScanJSON: a body ScanJSON lets through decodes to strings a database stores
// (valid UTF-8 without NUL), and it never panics.
func FuzzScanJSON(f *testing.F) {
	for _, b := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `{"a":[1e400]}`, `null`, `{"a":{"b":[{"c":"d"}]}}`} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if ScanJSON(body) != nil {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		var check func(any)
		check = func(v any) {
			switch x := v.(type) {
			case string:
				if strings.IndexByte(x, 0) >= 0 || !utf8.ValidString(x) {
					t.Fatalf("let through %q", x)
				}
			case []any:
				for _, i := range x {
					check(i)
				}
			case map[string]any:
				for k, i := range x {
					check(k)
					check(i)
				}
			}
		}
		check(v)
		if _, ok := v.(map[string]any); !ok {
			t.Fatalf("let through a %T", v)
		}
	})
}
