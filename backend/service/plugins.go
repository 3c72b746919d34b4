package service

import (
	"encoding/json"
	"net/http"

	"sluice/plugins"
)

// PluginInfo describes an automatic node type for the designer: its name, the JSON
// Schema of its settings (to render a settings form) and the outcomes it may return.
type PluginInfo struct {
	Name           string          `json:"name"`
	SettingsSchema json.RawMessage `json:"settings_schema"`
	Outcomes       []string        `json:"outcomes"`
}

// Plugins lists the registered plugins (admins: they design flows).
func (s *Service) Plugins(a Actor) ([]PluginInfo, error) {
	if !s.canCompanyWide(a, "definitions.manage") {
		return nil, Refuse(http.StatusForbidden, "problem.forbidden.design_flows", nil)
	}
	out := []PluginInfo{}
	for _, name := range plugins.Names() {
		p, _ := plugins.Get(name)
		outcomes := append([]string{"ok"}, p.Outcomes()...)
		out = append(out, PluginInfo{Name: name, SettingsSchema: p.SettingsSchema(), Outcomes: outcomes})
	}
	return out, nil
}
