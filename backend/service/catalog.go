package service

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/flowcheck"
	"sluice/backend/store"
)

// Kinds of definition, singular as stored; the API's plural path segment maps here.
var Kinds = map[string]string{"forms": "form", "flows": "flow", "roles": "role", "reminders": "reminder",
	"form": "form", "flow": "flow", "role": "role", "reminder": "reminder"}

// Catalog reads definitions and caches compiled published versions, which never change.
// Which version is the latest is cached briefly too: a publish here forgets it at once;
// one on another instance is seen within latestTTL.
type Catalog struct {
	s      *store.Store
	mu     sync.RWMutex
	flows  map[string]*engine.Flow
	forms  map[string]*definitions.Form
	latest map[string]latestEntry // kind/key -> newest published version
	// ttl is how long a latest version (and the reminder cache) is trusted: latestTTL,
	// zero in tests that need every request to read the database.
	ttl time.Duration
}

type latestEntry struct {
	version int
	at      time.Time
}

const latestTTL = 2 * time.Second

func newCatalog(s *store.Store) *Catalog {
	return &Catalog{s: s, flows: map[string]*engine.Flow{}, forms: map[string]*definitions.Form{}, latest: map[string]latestEntry{}, ttl: latestTTL}
}

// latestVersion is the newest published version of kind/key (0 if none).
func (c *Catalog) latestVersion(ctx context.Context, kind, key string) (int, error) {
	k := kind + "/" + key
	c.mu.RLock()
	e, ok := c.latest[k]
	c.mu.RUnlock()
	if ok && time.Since(e.at) < c.ttl {
		return e.version, nil
	}
	vs, err := c.s.Read.Definition.Query().
		Where(definition.Kind(kind), definition.Key(key), definition.Status("published")).
		Order(ent.Desc(definition.FieldVersion)).Limit(1).Select(definition.FieldVersion).Ints(ctx)
	if err != nil {
		return 0, err
	}
	v := 0
	if len(vs) > 0 {
		v = vs[0]
	}
	c.mu.Lock()
	c.latest[k] = latestEntry{v, time.Now()}
	c.mu.Unlock()
	return v, nil
}

// forget drops the cached latest version after a publish here.
func (c *Catalog) forget(kind, key string) {
	c.mu.Lock()
	delete(c.latest, kind+"/"+key)
	c.mu.Unlock()
}

func vkey(key string, version int) string { return fmt.Sprintf("%s@%d", key, version) }

// latest returns the newest published version of a definition (nil if none).
func latest(ctx context.Context, c *ent.Client, kind, key string) (*ent.Definition, error) {
	d, err := c.Definition.Query().
		Where(definition.Kind(kind), definition.Key(key), definition.Status("published")).
		Order(ent.Desc(definition.FieldVersion)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return d, err
}

func version(ctx context.Context, c *ent.Client, kind, key string, v int) (*ent.Definition, error) {
	d, err := c.Definition.Query().Where(definition.Kind(kind), definition.Key(key), definition.Version(v)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return d, err
}

// Flow returns a published flow version, compiled; version 0 means the latest. It
// returns nil when there is no such published version.
func (c *Catalog) Flow(ctx context.Context, key string, v int) (*engine.Flow, error) {
	if v <= 0 {
		var err error
		if v, err = c.latestVersion(ctx, "flow", key); err != nil || v == 0 {
			return nil, err
		}
	}
	if f := c.cachedFlow(key, v); f != nil {
		return f, nil
	}
	d, err := version(ctx, c.s.Read, "flow", key, v)
	if err != nil || d == nil || d.Status != "published" {
		return nil, err
	}
	// Compiling a flow compiles the sub-flows it names; a loop of them (published by
	// racing admins) must fail, not recurse without end.
	if compiling(ctx, vkey(key, d.Version)) {
		return nil, fmt.Errorf("catalog: flow %s v%d starts itself through its sub-flows", key, d.Version)
	}
	ctx = withCompiling(ctx, vkey(key, d.Version))
	look := c.lookup(ctx)
	f, probs := definitions.CompileFlow(d.Body, d.Version, look)
	if look.err != nil {
		return nil, look.err
	}
	if len(probs) > 0 {
		return nil, fmt.Errorf("catalog: published flow %s v%d no longer compiles: %s %s", key, d.Version, probs[0].Pointer, probs[0].Message)
	}
	c.mu.Lock()
	c.flows[vkey(key, d.Version)] = f
	c.mu.Unlock()
	return f, nil
}

func (c *Catalog) cachedFlow(key string, v int) *engine.Flow {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.flows[vkey(key, v)]
}

// Form returns the latest published form (nil if none).
func (c *Catalog) Form(ctx context.Context, key string) (*definitions.Form, error) {
	v, err := c.latestVersion(ctx, "form", key)
	if err != nil || v == 0 {
		return nil, err
	}
	c.mu.RLock()
	f := c.forms[vkey(key, v)]
	c.mu.RUnlock()
	if f != nil {
		return f, nil
	}
	d, err := version(ctx, c.s.Read, "form", key, v)
	if err != nil || d == nil {
		return nil, err
	}
	f, probs := definitions.ParseForm(d.Body)
	if len(probs) > 0 {
		return nil, fmt.Errorf("catalog: published form %s v%d is invalid: %s %s", key, d.Version, probs[0].Pointer, probs[0].Message)
	}
	f.Version = d.Version
	c.mu.Lock()
	c.forms[vkey(key, d.Version)] = f
	c.mu.Unlock()
	return f, nil
}

// lookup resolves references between definitions against what is published. The
// definitions package only asks "is it there?": a lookup that failed answers no and
// keeps its error in err, which the caller must check before believing any "does not
// exist" (a database fault is no invalid document).
func (c *Catalog) lookup(ctx context.Context) *pubLookup { return &pubLookup{c: c, ctx: ctx} }

type pubLookup struct {
	c   *Catalog
	ctx context.Context
	err error // the first lookup that failed
}

func (l *pubLookup) failed(err error) bool {
	if err != nil && l.err == nil {
		l.err = err
	}
	return err != nil
}

func (l *pubLookup) Form(key string) (*definitions.Form, bool) {
	f, err := l.c.Form(l.ctx, key)
	return f, !l.failed(err) && f != nil
}

func (l *pubLookup) Role(key string) (*definitions.Role, bool) {
	d, err := latest(l.ctx, l.c.s.Read, "role", key)
	if l.failed(err) || d == nil {
		return nil, false
	}
	r, probs := definitions.ParseRole(d.Body)
	return r, len(probs) == 0
}

// DefinitionView is a definition as the API shows it.
type DefinitionView struct {
	Kind      string          `json:"kind"`
	Key       string          `json:"key"`
	Version   int             `json:"version"` // latest published, 0 if never published
	Status    string          `json:"status"`  // published | draft
	Name      any             `json:"name,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
	Draft     json.RawMessage `json:"draft,omitempty"`
	Versions  []int           `json:"versions,omitempty"`
	UpdatedAt string          `json:"updated_at,omitempty"`
}

func nameOf(body json.RawMessage) any {
	var n struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(body, &n)
	return n.Name
}

// ListDefinitions lists the definitions of a kind, one row per key.
func (s *Service) ListDefinitions(ctx context.Context, a Actor, kind string) ([]DefinitionView, error) {
	if !s.canCompanyWide(a, "definitions.manage") {
		return nil, forbidden("you may not read definitions")
	}
	rows, err := s.Store.Read.Definition.Query().Where(definition.Kind(kind)).
		Order(ent.Asc(definition.FieldKey), ent.Asc(definition.FieldVersion)).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []DefinitionView
	idx := map[string]int{}
	for _, d := range rows {
		i, ok := idx[d.Key]
		if !ok {
			out = append(out, DefinitionView{Kind: kind, Key: d.Key, Status: "draft"})
			i = len(out) - 1
			idx[d.Key] = i
		}
		v := &out[i]
		v.Name = nameOf(d.Body)
		if d.Status == "published" {
			v.Version, v.Status = d.Version, "published"
			v.Versions = append(v.Versions, d.Version)
		}
	}
	return out, nil
}

// GetDefinition returns the latest published body, the draft and the versions.
func (s *Service) GetDefinition(ctx context.Context, a Actor, kind, key string, v int) (*DefinitionView, error) {
	if !s.canCompanyWide(a, "definitions.manage") {
		return nil, forbidden("you may not read definitions")
	}
	rows, err := s.Store.Read.Definition.Query().Where(definition.Kind(kind), definition.Key(key)).
		Order(ent.Asc(definition.FieldVersion)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound(kind + " " + key)
	}
	view := &DefinitionView{Kind: kind, Key: key, Status: "draft"}
	for _, d := range rows {
		if d.Version == 0 {
			view.Draft = d.Body
			continue
		}
		view.Versions = append(view.Versions, d.Version)
		if v == 0 || d.Version == v {
			view.Version, view.Status, view.Body = d.Version, "published", d.Body
		}
	}
	if v > 0 && view.Version != v {
		return nil, notFound(fmt.Sprintf("%s %s version %d", kind, key, v))
	}
	src := view.Body
	if src == nil {
		src = view.Draft
	}
	view.Name = nameOf(src)
	return view, nil
}

// validateDoc checks a document's kind and key match where it is saved, then validates
// it; the error is a fault looking up what it references.
func (c *Catalog) validateDoc(ctx context.Context, kind, key string, body []byte) ([]FieldError, error) {
	var head struct {
		Kind string `json:"kind"`
		Key  string `json:"key"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return []FieldError{{Pointer: "", Message: "the body is not a JSON object: " + err.Error()}}, nil
	}
	var errs []FieldError
	if head.Kind != "" && head.Kind != kind {
		errs = append(errs, FieldError{"/kind", fmt.Sprintf("the document is a %q but is saved as a %s", head.Kind, kind)})
	}
	if head.Key != key {
		errs = append(errs, FieldError{"/key", fmt.Sprintf("key %q must equal the key in the path (%q)", head.Key, key)})
	}
	look := c.lookup(ctx)
	for _, p := range definitions.Validate(kind, body, look) {
		errs = append(errs, FieldError{p.Pointer, p.Message})
	}
	if look.err != nil {
		return nil, look.err
	}
	return errs, nil
}

// prove runs the flow checker on a flow before it is published (drafts are not proved:
// they may be work in progress; nor are the built-in examples SeedDemo publishes: the
// flowcheck tests prove them once, not every start). It answers a draft that is not
// valid as publish does (a 422 with its problems). A refusal is a 422 pointing at the node or
// edge at fault, with its code and counterexample.
func (c *Catalog) prove(ctx context.Context, body []byte) error {
	look := c.lookup(ctx)
	f, probs := definitions.CompileFlow(body, 0, look)
	if look.err != nil {
		return look.err
	}
	if len(probs) > 0 {
		return nil // not valid: publish says so with every problem
	}
	fd := definitions.ProveFlow(f)
	if fd == nil {
		return nil
	}
	detail := "an order of this flow can get stuck; the flow is not published"
	if fd.Kind == flowcheck.TooLarge {
		detail = "the flow is too large to prove that every order can end; the flow is not published"
	}
	e := invalid(detail, FieldError{fd.Pointer, fd.Message})
	e.Code, e.Counterexample = definitions.ProofCode(fd), fd.Counterexample
	return e
}

// SaveDraft validates a definition and stores it as the key's draft (version 0).
func (s *Service) SaveDraft(ctx context.Context, a Actor, kind, key string, body []byte) (*DefinitionView, error) {
	if !s.canCompanyWide(a, "definitions.manage") {
		return nil, forbidden("you may not change definitions")
	}
	if errs, err := s.Catalog.validateDoc(ctx, kind, key, body); err != nil {
		return nil, err
	} else if len(errs) > 0 {
		return nil, invalid(fmt.Sprintf("the %s is not valid", kind), errs...)
	}
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		n, err := tx.Definition.Update().Where(definition.Kind(kind), definition.Key(key), definition.Version(0)).
			SetBody(body).SetCreatedBy(a.Username).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			if err := tx.Definition.Create().SetKind(kind).SetKey(key).SetVersion(0).SetStatus("draft").
				SetBody(body).SetCreatedBy(a.Username).Exec(ctx); err != nil {
				return err
			}
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "definition.draft_saved", Detail: map[string]any{"kind": kind, "key": key}}); err != nil {
			return err
		}
		_, err = j.Event(ctx, "definition.draft_saved", "admin", map[string]any{"kind": kind, "key": key})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetDefinition(ctx, a, kind, key, 0)
}

// Publish turns the key's draft into the next immutable version.
func (s *Service) Publish(ctx context.Context, a Actor, kind, key string) (int, error) {
	if !s.canCompanyWide(a, "definitions.manage") {
		return 0, forbidden("you may not publish definitions")
	}
	draft, err := version(ctx, s.Store.Read, kind, key, 0)
	if err != nil {
		return 0, err
	}
	if draft == nil {
		return 0, notFound(fmt.Sprintf("a draft of %s %s", kind, key))
	}
	if kind == "flow" {
		if err := s.Catalog.prove(ctx, draft.Body); err != nil {
			return 0, err
		}
	}
	v, err := s.publish(ctx, a, kind, key, draft.Body)
	return v, err
}

// publish validates body and stores it as a new published version, then refreshes the
// authorisation policy when roles or flows changed.
func (s *Service) publish(ctx context.Context, a Actor, kind, key string, body []byte) (int, error) {
	if errs, err := s.Catalog.validateDoc(ctx, kind, key, body); err != nil {
		return 0, err
	} else if len(errs) > 0 {
		return 0, invalid(fmt.Sprintf("the %s is not valid", kind), errs...)
	}
	var ver int
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		last, err := latest(ctx, tx.Client(), kind, key)
		if err != nil {
			return err
		}
		ver = 1
		if last != nil {
			ver = last.Version + 1
		}
		if err := tx.Definition.Create().SetKind(kind).SetKey(key).SetVersion(ver).SetStatus("published").
			SetBody(body).SetCreatedBy(a.Username).Exec(ctx); err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "definition.published", Detail: map[string]any{"kind": kind, "key": key, "version": ver}}); err != nil {
			return err
		}
		if _, err := j.Event(ctx, "definition.published", "admin", map[string]any{"kind": kind, "key": key, "version": ver}); err != nil {
			return err
		}
		if kind == "reminder" {
			look := s.Catalog.lookup(ctx)
			r, probs := definitions.ParseReminder(body, look)
			if look.err != nil {
				return look.err
			}
			if len(probs) > 0 {
				return fmt.Errorf("reminder %s validated but does not compile: %s %s", key, probs[0].Pointer, probs[0].Message)
			}
			return s.armSchedules(ctx, tx, r, ver, j.At())
		}
		if kind == "role" || kind == "flow" {
			return s.writePolicy(ctx, tx)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	s.Catalog.forget(kind, key)
	if kind == "reminder" {
		// the instance that published it sets its timers from now on; others within latestTTL
		s.timers.mu.Lock()
		s.timers.byFlow = nil
		s.timers.mu.Unlock()
	}
	if kind == "role" || kind == "flow" {
		s.reloadPolicy(ctx)
	}
	return ver, nil
}

func (l *pubLookup) Flow(key string) (*engine.Flow, bool) {
	f, err := l.c.Flow(l.ctx, key, 0)
	return f, !l.failed(err) && f != nil
}
