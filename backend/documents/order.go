package documents

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Lang is a document language.
type Lang string

// The languages documents are printed in; ZhTW is the default.
const (
	ZhTW Lang = "zh-TW"
	ZhCN Lang = "zh-CN"
	En   Lang = "en"
)

// Langs lists the supported languages, the default first.
var Langs = []Lang{ZhTW, ZhCN, En}

// ParseLang accepts zh-TW, zh-CN and en, case-insensitively, plus the usual aliases
// (zh-Hant, zh-HK → zh-TW; zh-Hans, zh-SG → zh-CN; en-US, en-GB … → en).
func ParseLang(s string) (Lang, bool) {
	k := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	switch k {
	case "zh-tw", "zh-hant", "zh-hant-tw", "zh-hk", "zh-mo":
		return ZhTW, true
	case "zh-cn", "zh-hans", "zh-hans-cn", "zh-sg":
		return ZhCN, true
	case "en":
		return En, true
	}
	if strings.HasPrefix(k, "en-") {
		return En, true
	}
	return "", false
}

// Text is a string per language. In JSON it is either an object
// ({"zh-TW": …, "zh-CN": …, "en": …}) or a plain string used for every language.
type Text map[Lang]string

// In returns the text in l, else in zh-TW, else in English, else any.
func (t Text) In(l Lang) string {
	for _, k := range []Lang{l, ZhTW, En, ZhCN} {
		if s := t[k]; s != "" {
			return s
		}
	}
	for _, s := range t {
		if s != "" {
			return s
		}
	}
	return ""
}

// UnmarshalJSON accepts a string or an object of strings.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text{ZhTW: s, ZhCN: s, En: s}
		return nil
	}
	var m map[Lang]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// Company is the header printed on every page.
type Company struct {
	Name    Text   `json:"name,omitempty"`
	Address Text   `json:"address,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	// TaxID is the company's tax registration number (統一編號).
	TaxID string `json:"tax_id,omitempty"`
}

// IsZero reports whether no header was configured.
func (c Company) IsZero() bool {
	return len(c.Name) == 0 && len(c.Address) == 0 && c.Phone == "" && c.Email == "" && c.TaxID == ""
}

// DefaultCompany is the demo header, used when a flow configures none.
var DefaultCompany = Company{
	Name:    Text{ZhTW: "水閘貿易股份有限公司", ZhCN: "水闸贸易股份有限公司", En: "Sluice Trading Co., Ltd."},
	Address: Text{ZhTW: "台北市中山區南京東路二段 100 號 8 樓", ZhCN: "台北市中山区南京东路二段 100 号 8 楼", En: "8F, No. 100, Sec. 2, Nanjing E. Rd., Zhongshan Dist., Taipei"},
	Phone:   "+886 2 2500 0000",
	Email:   "orders@sluice.example.com",
	TaxID:   "12345678",
}

// Line is one ordered item.
type Line struct {
	SKU   string
	Name  string
	Qty   float64
	Price float64
}

// Amount is quantity × unit price.
func (l Line) Amount() float64 { return l.Qty * l.Price }

// Order is what a document shows of an order.
type Order struct {
	ID           int
	Number       string
	Status       string
	Department   string
	Submitter    string
	CreatedAt    time.Time
	Customer     string
	Contact      string
	ShipTo       string
	Currency     string
	PromisedDate string
	Note         string
	Total        float64
	Lines        []Line
	// Lang is the order's own language ("": the request's, else zh-TW).
	Lang Lang
	// Company is the header for this order (zero: the request's).
	Company Company
	// Shipments are the parcels sent so far; a template with Tracking lists them (and
	// the caller then passes the shipped quantities as Lines).
	Shipments []Shipment
}

// Shipment is one parcel of an order as a delivery note shows it.
type Shipment struct {
	Number   string
	Carrier  Text // the carrier's name
	Tracking string
}

// FromData fills the customer, address, lines, currency, dates and note from the order
// form's data (schemas/examples/forms/order.json); fields it does not know are ignored
// and missing ones stay empty. Total is data.total when present, else the sum of the lines.
func FromData(o *Order, data map[string]any) {
	if c, ok := data["customer"].(map[string]any); ok {
		o.Customer = str(c["name"])
		o.Contact = str(c["contact"])
	} else {
		o.Customer = str(data["customer"])
	}
	if s, ok := data["ship_to"].(map[string]any); ok {
		o.ShipTo = str(s["address"])
	} else {
		o.ShipTo = str(data["ship_to"])
	}
	o.Currency = str(data["currency"])
	o.PromisedDate = str(data["promised_date"])
	o.Note = str(data["note"])
	for _, k := range []string{"language", "lang", "locale"} {
		if l, ok := ParseLang(str(data[k])); ok {
			o.Lang = l
			break
		}
	}
	items, _ := data["items"].([]any)
	sum := 0.0
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		l := Line{SKU: str(m["sku"]), Name: str(m["name"]), Qty: num(m["qty"]), Price: num(m["price"])}
		sum += l.Amount()
		o.Lines = append(o.Lines, l)
	}
	if t, ok := data["total"]; ok {
		o.Total = num(t)
	} else if o.Total == 0 {
		o.Total = sum
	}
}

func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64, int, int64, json.Number, bool:
		return fmt.Sprint(v)
	}
	return ""
}

func num(v any) float64 {
	switch v := v.(type) {
	case float64:
		return v
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case json.Number:
		f, _ := v.Float64()
		return f
	}
	return 0
}
