// Package documents provides the documents.print task: it prints the order's documents
// (order sheet, packing slip, delivery note).
//
// This is a stand-in that only lists what it would print; the PDF renderer replaces it
// keeping the name, settings and outcome.
package documents

import (
	"context"
	"encoding/json"
	"fmt"

	"sluice/plugins"
)

// Name is the plugin's registered name.
const Name = "documents.print"

// Document names, also the names under GET /orders/{id}/documents/{name}.pdf.
const (
	Order        = "order"
	PackingSlip  = "packing-slip"
	DeliveryNote = "delivery-note"
)

// Settings of a documents.print node.
type Settings struct {
	Documents []string `json:"documents"`
}

type plugin struct{}

func init() { plugins.Register(plugin{}) }

func (plugin) Name() string { return Name }

func (plugin) Outcomes() []string { return nil }

func (plugin) SettingsSchema() json.RawMessage {
	return json.RawMessage(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "documents.print",
  "description": "Prints the order's documents as PDF.",
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
    }
  }
}`)
}

func (plugin) Run(_ context.Context, in plugins.Input) (plugins.Output, error) {
	var s Settings
	if len(in.Settings) > 0 && string(in.Settings) != "null" {
		if err := json.Unmarshal(in.Settings, &s); err != nil {
			return plugins.Output{}, fmt.Errorf("%s: settings: %w", Name, err)
		}
	}
	if len(s.Documents) == 0 {
		return plugins.Output{}, fmt.Errorf("%s: settings: documents is empty", Name)
	}
	for _, d := range s.Documents {
		switch d {
		case Order, PackingSlip, DeliveryNote:
		default:
			return plugins.Output{}, fmt.Errorf("%s: settings: unknown document %q", Name, d)
		}
	}
	detail := map[string]any{"documents": s.Documents, "printed": !in.DryRun}
	if in.DryRun {
		detail["dry_run"] = true
	}
	return plugins.Output{Outcome: "ok", Detail: detail}, nil
}
