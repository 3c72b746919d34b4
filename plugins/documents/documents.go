// Package documents provides the documents.print task: it prepares the order's
// documents (order sheet, packing slip, delivery note) for printing.
//
// The PDFs themselves are rendered on request by GET /api/v1/orders/{id}/documents/{name}.pdf
// (and POST /api/v1/documents/batch) from the order as it is then, with the company
// header and language configured here (sluice/backend/documents renders them). The task
// writes no files: it checks its settings and records in the audit trail which
// documents were prepared, in which language, and where to fetch them.
package documents

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"sluice/backend/documents"
	"sluice/plugins"
)

// Name is the plugin's registered name.
const Name = "documents.print"

// Document names, also the names under GET /orders/{id}/documents/{name}.pdf.
const (
	Order        = documents.OrderSheet
	PackingSlip  = documents.PackingSlip
	DeliveryNote = documents.DeliveryNote
)

// Settings of a documents.print node.
type Settings struct {
	Documents []string `json:"documents"`
	// Language of the printed labels when the order's data names none (default zh-TW).
	Language string `json:"language,omitempty"`
	// Company is the header printed on every page (default: the demo company).
	Company *documents.Company `json:"company,omitempty"`
}

// ParseSettings decodes and checks a node's settings. Empty settings are an error:
// the node must say which documents it prints.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if err := plugins.DecodeSettings(Name, raw, &s); err != nil {
		return s, err
	}
	if len(s.Documents) == 0 {
		return s, fmt.Errorf("%s: settings: documents is empty", Name)
	}
	for _, d := range s.Documents {
		if _, ok := documents.Templates[d]; !ok {
			return s, fmt.Errorf("%s: settings: unknown document %q", Name, d)
		}
	}
	if s.Language != "" {
		if _, ok := documents.ParseLang(s.Language); !ok {
			return s, fmt.Errorf("%s: settings: unknown language %q (zh-TW, zh-CN, en)", Name, s.Language)
		}
	}
	return s, nil
}

// Lang is the language documents print in for an order with these settings: the
// order's own (data.language), else the node's, else zh-TW.
func (s Settings) Lang(data map[string]any) documents.Lang {
	var o documents.Order
	documents.FromData(&o, data)
	if o.Lang != "" {
		return o.Lang
	}
	if l, ok := documents.ParseLang(s.Language); ok {
		return l
	}
	return documents.ZhTW
}

// Header is the company header: the configured one, else the demo default.
func (s Settings) Header() documents.Company {
	if s.Company == nil || s.Company.IsZero() {
		return documents.DefaultCompany
	}
	return *s.Company
}

type plugin struct{}

func init() { plugins.Register(plugin{}) }

func (plugin) Name() string { return Name }

func (plugin) Outcomes() []string { return nil }

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "documents.print",
  "description": "Prepares the order's documents as PDF (order sheet, packing slip, delivery note with QR code and barcode of the order number). They are fetched from GET /api/v1/orders/{id}/documents/{name}.pdf; every print is recorded in the audit trail.",
  "type": "object",
  "required": ["documents"],
  "additionalProperties": false,
  "properties": {
    "documents": {
      "description": "Which documents to print: order (order sheet), packing-slip, delivery-note (with barcode).",
      "type": "array",
      "minItems": 1,
      "uniqueItems": true,
      "items": { "enum": ["order", "packing-slip", "delivery-note"] }
    },
    "language": {
      "description": "Language of the printed labels when the order names none: zh-TW (繁體中文, the default), zh-CN (简体中文) or en (English). ?lang= on the download overrides it.",
      "enum": ["zh-TW", "zh-CN", "en"],
      "default": "zh-TW"
    },
    "company": {
      "description": "The header printed on every page. Default: 水閘貿易股份有限公司 (the demo company).",
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "name": { "$ref": "#/$defs/text", "description": "Company name, one string or one per language." },
        "address": { "$ref": "#/$defs/text", "description": "Address, one string or one per language." },
        "phone": { "type": "string", "maxLength": 50 },
        "email": { "type": "string", "maxLength": 254 },
        "tax_id": { "type": "string", "maxLength": 30, "description": "Tax registration number (統一編號)." }
      }
    }
  },
  "$defs": {
    "text": {
      "oneOf": [
        { "type": "string", "minLength": 1, "maxLength": 200 },
        {
          "type": "object",
          "minProperties": 1,
          "additionalProperties": false,
          "properties": {
            "zh-TW": { "type": "string", "maxLength": 200 },
            "zh-CN": { "type": "string", "maxLength": 200 },
            "en": { "type": "string", "maxLength": 200 }
          }
        }
      ]
    }
  }
}`)
}

// File is one prepared document as recorded in the audit trail.
type File struct {
	Document string `json:"document"`
	Title    string `json:"title"`
	URL      string `json:"url,omitempty"`
}

// Provision checks the settings once per flow version.
func (plugin) Provision(raw json.RawMessage) (any, error) { return ParseSettings(raw) }

// PrintSetup is how this node's flow prints its orders' documents: the language when
// the order names none, and the company header. The service asks every plugin of the
// order's flow that has this method (the first node that answers wins).
func (plugin) PrintSetup(config any) (documents.Lang, documents.Company) {
	s, _ := config.(Settings)
	return s.Lang(nil), s.Header()
}

func (plugin) Run(_ context.Context, in plugins.Input) (plugins.Output, error) {
	s, err := plugins.Config[Settings](Name, in)
	if err != nil {
		return plugins.Output{}, err
	}
	lang := s.Lang(in.Order.Data)
	files := make([]File, 0, len(s.Documents))
	for _, d := range s.Documents {
		f := File{Document: d, Title: documents.Templates[d].Title.In(lang)}
		if in.Order.ID > 0 {
			f.URL = "/api/v1/orders/" + strconv.Itoa(in.Order.ID) + "/documents/" + d + ".pdf"
		}
		files = append(files, f)
	}
	detail := map[string]any{"documents": s.Documents, "lang": string(lang), "prepared": !in.DryRun}
	if in.DryRun {
		detail["dry_run"] = true
	} else {
		detail["files"] = files
	}
	return plugins.Output{Outcome: "ok", Detail: detail}, nil
}
