package app_test

import (
	"strings"
	"testing"

	"sluice/backend/access"
	"sluice/backend/fulfilment"
	"sluice/backend/inbound"
	"sluice/backend/service"
)

// TestCheckLimits holds the cases of the core's TestCheckLimits whose input types moved
// to feature packages (CustomerInput: inbound; NewUser: access; ShipmentRequest:
// fulfilment).
func TestCheckLimits(t *testing.T) {
	name := strings.Repeat("名", 200)
	for _, tc := range []struct {
		name    string
		v       any
		pointer string
	}{
		{"fine", &inbound.CustomerInput{Name: &name}, ""},
		{"pointer field", &inbound.CustomerInput{Name: new(name + "x")}, "/name"},
		{"nested list item", &access.NewUser{Username: "u", Memberships: []access.Membership{{}, {Role: strings.Repeat("r", 65)}}}, "/memberships/1/role"},
		{"NUL", &fulfilment.ShipmentRequest{Lines: []service.ShipmentLine{{SKU: "a\x00"}}}, "/lines/0/sku"},
	} {
		e := service.CheckLimits(tc.v)
		switch {
		case tc.pointer == "" && e != nil:
			t.Errorf("%s: refused %v", tc.name, e)
		case tc.pointer != "" && (e == nil || e.Errors[0].Pointer != tc.pointer):
			t.Errorf("%s: got %+v, want %q", tc.name, e, tc.pointer)
		}
	}
}
