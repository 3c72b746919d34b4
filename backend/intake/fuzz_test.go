package intake

import (
	"encoding/json"
	"os"
	"testing"
)

// Whatever a file or a payload holds, reading and mapping it never panics, and every
// row error names a row of the file.
func FuzzTableAndPayload(f *testing.F) {
	csv, _ := os.ReadFile("testdata/orders.csv")
	payload, _ := os.ReadFile("testdata/shop-payload.json")
	f.Add(csv, payload)
	f.Add([]byte("訂單編號,數量\n\"a\nb\",1\n,,,\n"), []byte(`{"id": [], "line_items": [1, {"quantity": {}}]}`))
	f.Fuzz(func(t *testing.T, file, body []byte) {
		s, computed := demoSchema(t)
		var m TableMapping
		raw, _ := os.ReadFile("testdata/mapping.json")
		if DecodeStrict(raw, &m) != nil {
			t.Fatal("mapping")
		}
		if tab, err := ReadFile("x.csv", file, ""); err == nil {
			last := tab.First + len(tab.Rows) - 1
			for _, o := range m.Build(s, tab) {
				for _, e := range o.Errors {
					if e.Row < tab.First || e.Row > last {
						t.Fatalf("row %d outside %d..%d", e.Row, tab.First, last)
					}
				}
				o.Locate("/data/items/0/qty")
			}
		}
		var pm PayloadMapping
		raw, _ = os.ReadFile("testdata/shop-mapping.json")
		if DecodeStrict(raw, &pm) != nil || len(pm.Validate(s, computed)) > 0 {
			t.Fatal("payload mapping")
		}
		var v any
		if json.Unmarshal(body, &v) == nil {
			if o, _ := pm.Apply(s, v); o != nil {
				o.Locate("/data/items/3/price")
			}
		}
	})
}
