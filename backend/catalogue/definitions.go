package catalogue

import (
	"context"
	"encoding/json"
	"net/http"

	"sluice/backend/definitions"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/flowcheck"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// Kinds of definition, singular as stored; the API's plural path segment maps here.
var Kinds = map[string]string{"forms": "form", "flows": "flow", "roles": "role", "reminders": "reminder",
	"form": "form", "flow": "flow", "role": "role", "reminder": "reminder"}

// kindName is a kind's name as a message parameter, read in the reader's language.
func kindName(kind string) map[string]any { return i18n.M("definition.kind."+kind, nil) }

// definitionNotFound is the 404 of a definition (kind, key) that does not exist.
func definitionNotFound(kind, key string) *service.Error {
	return service.Refuse(http.StatusNotFound, "problem.not_found.definition", i18n.Params{"Kind": kindName(kind), "Key": key})
}

// draftNotFound is the 404 of a definition without a draft.
func draftNotFound(kind, key string) *service.Error {
	return service.Refuse(http.StatusNotFound, "problem.not_found.draft", i18n.Params{"Kind": kindName(kind), "Key": key})
}

// definitionInvalid is the 422 of a definition of kind with the problems errs.
func definitionInvalid(kind string, errs ...service.FieldError) *service.Error {
	return service.Refuse(http.StatusUnprocessableEntity, "problem.definition_invalid", i18n.Params{"Kind": kindName(kind)}, errs...)
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
	// Retired: a flow that takes no new orders (RetireFlow).
	Retired bool `json:"retired,omitempty"`
}

func nameOf(body json.RawMessage) any {
	var n struct {
		Name any `json:"name"`
	}
	_ = json.Unmarshal(body, &n)
	return n.Name
}

// ListDefinitions lists the definitions of a kind, one row per key.
func (s *Catalogue) ListDefinitions(ctx context.Context, a service.Actor, kind string) ([]DefinitionView, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_definitions", nil)
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
	if kind == "flow" {
		retired, err := retiredFlows(ctx, s.Store.Read)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Retired = retired[out[i].Key]
		}
	}
	return out, nil
}

// GetDefinition returns the latest published body, the draft and the versions.
func (s *Catalogue) GetDefinition(ctx context.Context, a service.Actor, kind, key string, v int) (*DefinitionView, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_definitions", nil)
	}
	rows, err := s.Store.Read.Definition.Query().Where(definition.Kind(kind), definition.Key(key)).
		Order(ent.Asc(definition.FieldVersion)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, definitionNotFound(kind, key)
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
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.definition_version", i18n.Params{"Kind": kindName(kind), "Key": key, "Version": v})
	}
	src := view.Body
	if src == nil {
		src = view.Draft
	}
	view.Name = nameOf(src)
	if kind == "flow" {
		retired, err := retiredFlows(ctx, s.Store.Read)
		if err != nil {
			return nil, err
		}
		view.Retired = retired[key]
	}
	return view, nil
}

// validateDoc checks a document's kind and key match where it is saved, then validates
// it (a draft also against the people and departments it names); the error is a fault
// looking up what it references.
func validateDoc(ctx context.Context, c *service.Catalog, kind, key string, body []byte, draft bool) ([]service.FieldError, error) {
	var head struct {
		Kind string `json:"kind"`
		Key  string `json:"key"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return []service.FieldError{service.FieldErr("", "json.not_object", i18n.Params{"Error": err.Error()})}, nil
	}
	var errs []service.FieldError
	if head.Kind != "" && head.Kind != kind {
		errs = append(errs, service.FieldErr("/kind", "definition.kind_mismatch", i18n.Params{"Got": head.Kind, "Kind": kindName(kind)}))
	}
	if head.Key != key {
		errs = append(errs, service.FieldErr("/key", "definition.key_mismatch", i18n.Params{"Key": head.Key, "Path": key}))
	}
	validate := c.Validate
	if draft {
		validate = c.ValidateDraft
	}
	probs, err := validate(ctx, kind, body)
	if err != nil {
		return nil, err
	}
	for _, p := range probs {
		errs = append(errs, service.FromProblem(p.Pointer, p))
	}
	return errs, nil
}

// prove runs the flow checker on a flow before it is published (drafts are not proved:
// they may be work in progress; nor are the built-in examples SeedDemo publishes: the
// flowcheck tests prove them once, not every start). It answers a draft that is not
// valid as publish does (a 422 with its problems). A refusal is a 422 pointing at the node or
// edge at fault, with its code and counterexample.
func prove(ctx context.Context, c *service.Catalog, body []byte) error {
	f, probs, err := c.CompileDraft(ctx, body)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		return nil // not valid: publish says so with every problem
	}
	fd := definitions.ProveFlow(f)
	if fd == nil {
		return nil
	}
	key := "problem.flow_stuck"
	if fd.Kind == flowcheck.TooLarge {
		key = "problem.flow_too_large"
	}
	// the finding's own text is the checker's English; its code is stable
	e := service.Refuse(http.StatusUnprocessableEntity, key, nil,
		service.FieldError{Pointer: fd.Pointer, Code: definitions.ProofCode(fd), Message: fd.Message})
	e.Code, e.Counterexample = definitions.ProofCode(fd), fd.Counterexample
	return e
}

// SaveDraft validates a definition and stores it as the key's draft (version 0).
func (s *Catalogue) SaveDraft(ctx context.Context, a service.Actor, kind, key string, body []byte) (*DefinitionView, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.change_definitions", nil)
	}
	if errs, err := validateDoc(ctx, s.Catalog, kind, key, body, true); err != nil {
		return nil, err
	} else if len(errs) > 0 {
		return nil, definitionInvalid(kind, errs...)
	}
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
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
func (s *Catalogue) Publish(ctx context.Context, a service.Actor, kind, key string) (int, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return 0, service.Refuse(http.StatusForbidden, "problem.forbidden.publish_definitions", nil)
	}
	draft, err := service.Definition(ctx, s.Store.Read, kind, key, 0)
	if err != nil {
		return 0, err
	}
	if draft == nil {
		return 0, draftNotFound(kind, key)
	}
	if kind == "flow" {
		if err := prove(ctx, s.Catalog, draft.Body); err != nil {
			return 0, err
		}
	}
	v, err := s.PublishBody(ctx, a, kind, key, draft.Body)
	return v, err
}

// Import publishes body as `sluice import` does: for a user who may change definitions,
// checked as the API's publish checks it (not as a designer's draft, which also insists
// that the people it names exist: an import into a new database often comes before them).
func (s *Catalogue) Import(ctx context.Context, a service.Actor, kind, key string, body []byte) (int, error) {
	if !s.CanCompanyWide(a, "definitions.manage") {
		return 0, service.Refuse(http.StatusForbidden, "problem.forbidden.change_definitions", nil)
	}
	return s.PublishBody(ctx, a, kind, key, body)
}

// PublishBody validates body and stores it as a new published version, with what that
// changes in the core (service.Published, PublishCommitted: reminder schedules, the
// authorisation policy when roles or flows changed). The demo seed publishes through it.
func (s *Catalogue) PublishBody(ctx context.Context, a service.Actor, kind, key string, body []byte) (int, error) {
	if errs, err := validateDoc(ctx, s.Catalog, kind, key, body, false); err != nil {
		return 0, err
	} else if len(errs) > 0 {
		return 0, definitionInvalid(kind, errs...)
	}
	var ver int
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		last, err := service.LatestDefinition(ctx, tx.Client(), kind, key)
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
		return s.Published(ctx, tx, kind, key, body, ver, j.At())
	})
	if err != nil {
		return 0, err
	}
	s.PublishCommitted(ctx, kind, key)
	return ver, nil
}
