package inbound

import (
	"strings"
	"testing"

	"sluice/backend/service"
)

// TestCheckLimits holds the pointer-field cases of the core's TestCheckLimits, whose
// input type (CustomerInput) lives here.
func TestCheckLimits(t *testing.T) {
	name := strings.Repeat("名", 200)
	for _, tc := range []struct {
		name    string
		v       any
		pointer string
	}{
		{"fine", &CustomerInput{Name: &name}, ""},
		{"pointer field", &CustomerInput{Name: new(name + "x")}, "/name"},
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
