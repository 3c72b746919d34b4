package definitions

import (
	"cmp"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strings"

	"sluice/backend/engine"
	"sluice/backend/flowcheck"
	"sluice/backend/i18n"
	"sluice/schemas"
)

// Doc is one definition document of a Set.
type Doc struct {
	File string // where it came from, for messages
	Kind string // form, flow, role or reminder ("" if unreadable)
	Key  string
	Body []byte
}

// FileProblem is a Problem in one file of a Set.
type FileProblem struct {
	File string `json:"file"`
	Problem
}

func (p FileProblem) String() string { return p.File + ": " + p.Problem.String() }

// Set is a group of definitions validated together, references among them resolved
// within the set first (then through Fallback): the embedded examples, the files given
// to `sluice validate`, a seed. Add documents, then Check; after that the Set is a Lookup
// of its valid definitions.
type Set struct {
	// Fallback resolves references to definitions outside the set; nil resolves nothing.
	Fallback Lookup
	// Version is the version flows are compiled as (0, a draft, unless set).
	Version int
	// Prove runs the flow checker on each valid flow, as publishing does (ProveFlow);
	// its counterexamples are kept by file (Proof).
	Prove bool

	docs      []*Doc
	problems  []FileProblem // found by Add
	result    []FileProblem // found by Check, with those of Add
	forms     map[string]*Form
	roles     map[string]*Role
	flows     map[string]*engine.Flow
	reminders map[string]*Reminder
	proofs    map[string]*flowcheck.Finding
	checked   bool
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{} }

// Add adds one document; file names it in problems. A document whose kind cannot be read,
// or whose kind and key another document already has, is reported by Check.
func (s *Set) Add(file string, body []byte) {
	s.checked = false
	d := &Doc{File: file, Body: body}
	kind, err := Kind(body)
	if err != nil {
		if _, ps := decode(body); ps != nil {
			s.problems = append(s.problems, FileProblem{file, ps[0]})
		} else {
			s.problems = append(s.problems, FileProblem{file, problemOf("/kind", err)})
		}
		return
	}
	d.Kind = kind
	var head struct {
		Key string `json:"key"`
	}
	_ = json.Unmarshal(body, &head)
	d.Key = head.Key
	for _, o := range s.docs {
		if o.Kind == d.Kind && o.Key == d.Key && d.Key != "" {
			s.problems = append(s.problems, FileProblem{file, Coded("/key", "definition.set.key_taken", i18n.Params{"Kind": kindName(kind), "Key": d.Key, "File": o.File})})
			return
		}
	}
	s.docs = append(s.docs, d)
}

// AddFS adds every .json file below dir of fsys.
func (s *Set) AddFS(fsys fs.FS, dir string) error {
	return fs.WalkDir(fsys, dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		s.Add(p, body)
		return nil
	})
}

// Check validates and compiles every document, roles first, then forms, flows and
// reminders, so each can refer to the ones before it. It returns every problem, by file.
func (s *Set) Check() []FileProblem {
	if s.checked {
		return slices.Clone(s.result)
	}
	s.forms = map[string]*Form{}
	s.roles = map[string]*Role{}
	s.flows = map[string]*engine.Flow{}
	s.reminders = map[string]*Reminder{}
	s.proofs = map[string]*flowcheck.Finding{}
	var found []FileProblem
	for _, d := range s.Docs() {
		var ps []Problem
		switch d.Kind {
		case "role":
			var r *Role
			if r, ps = ValidateRole(d.Body); r != nil {
				s.roles[r.Key] = r
			}
		case "form":
			var f *Form
			if f, ps = ParseForm(d.Body); f != nil {
				s.forms[f.Key] = f
			}
		case "flow":
			var f *engine.Flow
			if f, ps = CompileFlow(d.Body, s.Version, s); f != nil {
				s.flows[f.Key] = f
				if fd := s.prove(f); fd != nil {
					s.proofs[d.File] = fd
					ps = []Problem{{Pointer: fd.Pointer, Message: fd.Message + " (" + ProofCode(fd) + ")"}}
				}
			}
		case "reminder":
			var r *Reminder
			if r, ps = ParseReminder(d.Body, s); r != nil {
				s.reminders[r.Key] = r
			}
		}
		for _, p := range ps {
			found = append(found, FileProblem{d.File, p})
		}
	}
	all := append(slices.Clone(s.problems), found...)
	slices.SortStableFunc(all, func(a, b FileProblem) int {
		return cmp.Or(strings.Compare(a.File, b.File), comparePointers(a.Pointer, b.Pointer))
	})
	s.result, s.checked = all, true
	return slices.Clone(all)
}

func (s *Set) prove(f *engine.Flow) *flowcheck.Finding {
	if !s.Prove {
		return nil
	}
	return ProveFlow(f)
}

// Proof is the flow checker's refusal of the flow in file, with its counterexample
// (nil when proved, or not a checked flow).
func (s *Set) Proof(file string) *flowcheck.Finding { return s.proofs[file] }

// Docs lists the documents in dependency order: roles, forms, flows, reminders; within a
// kind by key.
func (s *Set) Docs() []*Doc {
	rank := map[string]int{}
	for i, k := range schemas.Kinds {
		rank[k] = i
	}
	out := slices.Clone(s.docs)
	// a flow with subflow nodes names other flows: compile it after those without
	// (one level of nesting within a set; published flows resolve at any depth)
	nests := func(d *Doc) int {
		if d.Kind == "flow" && strings.Contains(string(d.Body), `"subflow"`) {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(out, func(a, b *Doc) int {
		return cmp.Or(rank[a.Kind]-rank[b.Kind], nests(a)-nests(b), strings.Compare(a.Key, b.Key))
	})
	return out
}

// Form returns a valid form of the set, else asks Fallback.
func (s *Set) Form(key string) (*Form, bool) {
	if f, ok := s.forms[key]; ok {
		return f, true
	}
	return lookup{s.Fallback}.form(key)
}

// Role returns a valid role of the set, else asks Fallback.
func (s *Set) Role(key string) (*Role, bool) {
	if r, ok := s.roles[key]; ok {
		return r, true
	}
	return lookup{s.Fallback}.role(key)
}

// Flow returns a valid flow of the set, else asks Fallback.
func (s *Set) Flow(key string) (*engine.Flow, bool) {
	if f, ok := s.flows[key]; ok {
		return f, true
	}
	return lookup{s.Fallback}.flow(key)
}

// Reminder returns a valid reminder of the set.
func (s *Set) Reminder(key string) (*Reminder, bool) {
	r, ok := s.reminders[key]
	return r, ok
}

// Examples loads and checks the embedded demo definitions (schemas/examples: forms,
// flows, roles, reminders). Problems mean the build is broken; tests keep it at none.
func Examples() (*Set, []FileProblem) {
	s := NewSet()
	for _, dir := range []string{"roles", "forms", "flows", "reminders"} {
		if err := s.AddFS(schemas.Examples(), dir); err != nil {
			return s, []FileProblem{{path.Join("examples", dir), problemOf("", err)}}
		}
	}
	return s, s.Check()
}
