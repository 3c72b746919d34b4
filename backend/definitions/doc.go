// Package definitions validates and compiles Sluice's definition documents — forms,
// flows, roles and reminders — as admins write them in JSON.
//
// Validation has two layers. First the document is checked against its meta-schema in
// sluice/schemas (JSON Schema draft 2020-12); then semantic rules that a schema cannot
// express are checked: a flow's graph (one start, edges between existing nodes, every
// node reachable and able to finish, one way forward from a review, a default edge from
// a switch and a task), references (the form, roles, plugins and their settings, the
// flow a reminder times), and expressions (conditions and computed fields compile, and
// every order.<field> they use exists in the form). Every finding is a Problem: a JSON
// pointer into the document and a message saying what to fix.
//
//	form, problems := definitions.ParseForm(body)          // *Form: Compute, ValidateData, Prepare
//	flow, problems := definitions.CompileFlow(body, v, look) // *engine.Flow, conditions compiled
//	role, problems := definitions.ParseRole(body)
//	rem, problems := definitions.ParseReminder(body, look)
//	problems := definitions.Validate("flows", body, look)    // any kind
//
// References are resolved through a Lookup. A Set validates many documents together,
// resolving references among them (the embedded examples: Examples()).
//
// Compiled conditions run on the engine's environment, map[string]any{"order": data},
// data being the order's data decoded from JSON (numbers as float64).
package definitions
