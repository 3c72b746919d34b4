package intake

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"sluice/backend/i18n"
)

// MaxCell is the longest text one cell (or one webhook value) may hold, in characters:
// as long as any string of a request body (service.MaxText).
const MaxCell = 10000

// Convert turns a cell's text into the JSON value the field's schema expects. Spreadsheets
// carry everything as text, with the habits of the people typing it (thousands separators,
// "是/否", "2026/8/15", Excel date serials), so the conversion is forgiving where the
// meaning is unambiguous and refuses otherwise; range checks are left to the form.
// Text no database can store (a NUL character, bytes that are not UTF-8) or longer than
// MaxCell is refused here, so that it is the row's error and not the import's.
func Convert(s *Schema, cell string) (any, error) {
	switch {
	case !utf8.ValidString(cell):
		return nil, fault("value.not_utf8", nil)
	case strings.IndexByte(cell, 0) >= 0:
		return nil, fault("value.nul", nil)
	case len(cell) > MaxCell && utf8.RuneCountInString(cell) > MaxCell:
		return nil, fault("value.too_long", i18n.Params{"Max": MaxCell})
	}
	cell = strings.TrimSpace(cell)
	switch s.Type {
	case "integer":
		f, err := parseNumber(cell)
		if err != nil {
			return nil, err
		}
		if f != math.Trunc(f) {
			return nil, fault("value.not_whole", i18n.Params{"Value": shown(cell)})
		}
		return f, nil
	case "number":
		return parseNumber(cell)
	case "boolean":
		switch strings.ToLower(cell) {
		case "true", "yes", "y", "1", "是", "✓", "v":
			return true, nil
		case "false", "no", "n", "0", "否", "":
			return false, nil
		}
		return nil, fault("value.not_yes_no", i18n.Params{"Value": shown(cell)})
	case "string", "":
		if s.Format == "date" {
			return parseDate(cell)
		}
		return matchEnum(s, cell), nil
	}
	return nil, fault("value.not_one_cell", i18n.Params{"Type": s.Type})
}

// ConvertValue converts a JSON value (from a webhook payload) the same way: text goes
// through Convert, numbers become text where the form wants text (an SKU sent as 1001),
// and anything else must already have the right type.
func ConvertValue(s *Schema, v any) (any, error) {
	switch x := v.(type) {
	case string:
		return Convert(s, x)
	case json.Number:
		if s.Type == "string" {
			return x.String(), nil
		}
		return Convert(s, x.String())
	case float64:
		if s.Type == "string" {
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		}
		return Convert(s, strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		if s.Type == "boolean" {
			return x, nil
		}
		if s.Type == "string" {
			return strconv.FormatBool(x), nil
		}
	case nil:
		return nil, nil
	}
	return nil, fault("value.wrong_type", i18n.Params{"Type": s.Type, "Got": i18n.M("json.kind."+jsonKind(v), nil)})
}

// jsonKind names a JSON value's kind (a key of the catalogue's json.kind.*).
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case bool:
		return "boolean"
	case string:
		return "string"
	}
	return "number"
}

func parseNumber(cell string) (float64, error) {
	// Thousands separators (1,200 and full-width 1，200) and spaces are layout, not value.
	clean := numberCleaner.Replace(cell)
	f, err := strconv.ParseFloat(clean, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fault("value.not_number", i18n.Params{"Value": shown(cell)})
	}
	return f, nil
}

// matchEnum returns the enum's own spelling for a case-insensitive match ("VIP" → "vip"),
// else the text unchanged for the form to judge.
func matchEnum(s *Schema, cell string) string {
	for _, e := range s.Enum {
		if es, ok := e.(string); ok && strings.EqualFold(es, cell) {
			return es
		}
	}
	return cell
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日", time.RFC3339}

// parseDate accepts the usual ways of writing a date and an Excel serial day number
// (what a date cell holds), and answers ISO 8601 (JSON Schema's "date" format).
func parseDate(cell string) (string, error) {
	if cell == "" {
		return "", nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, cell); err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	if n, err := strconv.ParseFloat(cell, 64); err == nil && n > 0 && n < 2958466 {
		// Excel's day 1 is 1900-01-01 and it counts a 29 February 1900 that never was,
		// so serials from March 1900 on are days since 1899-12-30.
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).Add(time.Duration(math.Floor(n)) * 24 * time.Hour)
		return t.Format("2006-01-02"), nil
	}
	return "", fault("value.not_date", i18n.Params{"Value": shown(cell)})
}

// numberCleaner drops grouping marks and spaces from a number cell (built once).
var numberCleaner = strings.NewReplacer(",", "", "，", "", " ", "", "\u00a0", "")
