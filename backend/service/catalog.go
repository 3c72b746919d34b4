package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/store"
)

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

func (l *pubLookup) Flow(key string) (*engine.Flow, bool) {
	f, err := l.c.Flow(l.ctx, key, 0)
	return f, !l.failed(err) && f != nil
}

// Publishing is the catalogue feature's (backend/catalogue); what a new version changes
// in the core is done here, through these ports.

// Validate checks a document of kind against what is published; the error is a fault
// looking up what it references (a database fault is no invalid document).
func (c *Catalog) Validate(ctx context.Context, kind string, body []byte) ([]definitions.Problem, error) {
	look := c.lookup(ctx)
	probs := definitions.Validate(kind, body, look)
	return probs, look.err
}

// ValidateDraft checks a document of kind about to be saved as a draft: against what is
// published, as Validate does, and also the users and departments it names (a draft is
// where an admin picks them, so a name that does not exist is caught then). A reminder may
// name a flow that has only a draft, so that its SLA is drafted along with the flow.
func (c *Catalog) ValidateDraft(ctx context.Context, kind string, body []byte) ([]definitions.Problem, error) {
	look := &draftLookup{pubLookup: c.lookup(ctx)}
	probs := definitions.Validate(kind, body, look)
	return probs, look.err
}

// draftLookup is the published lookup that also knows people, departments and flow drafts.
type draftLookup struct{ *pubLookup }

func (l *draftLookup) User(username string) bool {
	ok, err := l.c.s.Read.User.Query().Where(user.Username(username)).Exist(l.ctx)
	return l.failed(err) || ok // a fault is reported as such, not as a missing user
}

func (l *draftLookup) Department(key string) bool {
	ok, err := l.c.s.Read.Department.Query().Where(department.Key(key)).Exist(l.ctx)
	return l.failed(err) || ok
}

func (l *draftLookup) Flow(key string) (*engine.Flow, bool) {
	if f, ok := l.pubLookup.Flow(key); ok || l.err != nil {
		return f, ok
	}
	d, err := version(l.ctx, l.c.s.Read, "flow", key, 0)
	if l.failed(err) || d == nil {
		return nil, false
	}
	f, probs := definitions.CompileFlow(d.Body, 0, l.pubLookup)
	return f, len(probs) == 0
}

// DraftReminder compiles the reminder draft with key against the flow draft f being
// simulated (the designer saves a flow's SLA as a reminder with the flow's key, drafted
// and published along with it): nil when there is none, or it names another flow, or it
// does not compile against f.
func (c *Catalog) DraftReminder(ctx context.Context, key string, f *engine.Flow) (*definitions.Reminder, error) {
	d, err := version(ctx, c.s.Read, "reminder", key, 0)
	if err != nil || d == nil {
		return nil, err
	}
	look := &simLookup{pubLookup: c.lookup(ctx), flow: f}
	r, probs := definitions.ParseReminder(d.Body, look)
	if look.err != nil {
		return nil, look.err
	}
	if len(probs) > 0 || r.Flow != f.Key {
		return nil, nil
	}
	return r, nil
}

// simLookup is the published lookup where the flow being simulated is its draft.
type simLookup struct {
	*pubLookup
	flow *engine.Flow
}

func (l *simLookup) Flow(key string) (*engine.Flow, bool) {
	if key == l.flow.Key {
		return l.flow, true
	}
	return l.pubLookup.Flow(key)
}

// CompileDraft compiles a flow that is not published (version 0) against what is.
func (c *Catalog) CompileDraft(ctx context.Context, body []byte) (*engine.Flow, []definitions.Problem, error) {
	look := c.lookup(ctx)
	f, probs := definitions.CompileFlow(body, 0, look)
	return f, probs, look.err
}

// Definition is version v of a definition (0: the draft), through c; nil if none.
func Definition(ctx context.Context, c *ent.Client, kind, key string, v int) (*ent.Definition, error) {
	return version(ctx, c, kind, key, v)
}

// LatestDefinition is the newest published version of a definition, through c; nil if none.
func LatestDefinition(ctx context.Context, c *ent.Client, kind, key string) (*ent.Definition, error) {
	return latest(ctx, c, kind, key)
}

// Published does, in the transaction that published version ver of kind/key, what the
// new version changes beyond its row: a reminder's cron schedules are armed, and the
// authorisation policy is rebuilt when a role or a flow changed.
func (s *Service) Published(ctx context.Context, tx *ent.Tx, kind, key string, body []byte, ver int, now time.Time) error {
	if kind == "reminder" {
		look := s.Catalog.lookup(ctx)
		r, probs := definitions.ParseReminder(body, look)
		if look.err != nil {
			return look.err
		}
		if len(probs) > 0 {
			return fmt.Errorf("reminder %s validated but does not compile: %s %s", key, probs[0].Pointer, probs[0].Message)
		}
		return s.armSchedules(ctx, tx, r, ver, now)
	}
	if kind == "role" || kind == "flow" {
		return s.writePolicy(ctx, tx)
	}
	return nil
}

// PublishCommitted refreshes, once the publishing transaction committed, what this
// instance holds of kind/key: the latest version, the reminders by flow, the policy.
func (s *Service) PublishCommitted(ctx context.Context, kind, key string) {
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
}
