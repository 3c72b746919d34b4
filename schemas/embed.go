// Package schemas holds Sluice's definition meta-schemas (JSON Schema draft 2020-12) and
// the demo example set (the order-review flow with its form, roles, reminders, sample
// orders and seed data), embedded so the binary can validate and seed without files.
package schemas

import (
	"embed"
	"fmt"
	"io/fs"
)

//go:embed *.schema.json examples
var files embed.FS

// Kinds are the definition kinds, in dependency order (a later kind may refer to an
// earlier one: flows name forms and roles, reminders name flows).
var Kinds = []string{"role", "form", "flow", "reminder"}

// BaseURL is the prefix of every meta-schema's $id.
const BaseURL = "https://sluice.dev/schemas/"

// URL returns the $id of the meta-schema of kind.
func URL(kind string) string { return BaseURL + kind + ".schema.json" }

// MetaSchema returns the meta-schema of kind (form, flow, role or reminder).
func MetaSchema(kind string) ([]byte, error) {
	for _, k := range Kinds {
		if k == kind {
			return files.ReadFile(kind + ".schema.json")
		}
	}
	return nil, fmt.Errorf("schemas: unknown kind %q (want one of form, flow, role, reminder)", kind)
}

// Examples is the demo set, rooted at the examples directory:
// forms/, flows/, roles/, reminders/ (definitions), orders/ (POST /api/v1/orders bodies)
// and demo.json (departments, users with memberships, products).
func Examples() fs.FS {
	sub, err := fs.Sub(files, "examples")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return sub
}

// FS is every embedded file: the meta-schemas at the root and the examples below examples/.
func FS() fs.FS { return files }
