package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"

	"sluice/backend/access"
	"sluice/backend/auth"
	"sluice/backend/ent"
	"sluice/backend/ent/auditentry"
	"sluice/backend/ent/channel"
	"sluice/backend/ent/customer"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/department"
	"sluice/backend/ent/product"
	"sluice/backend/ent/user"
	"sluice/backend/ent/warehouse"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/schemas"
)

// DemoPassword is every demo user's password.
const DemoPassword = "sluice-demo"

// DemoSeeded is the audit action that records the demo items a seed added or found.
const DemoSeeded = "demo.seeded"

// SeedDemo adds the demo set: the example definitions, then the departments, users,
// products with their opening stock, channels and customers of demo.json.
//
// Each item ("flow:order-review", "user:clerk", ...) is added at most once in the life
// of the database: only when it is missing AND no earlier seed recorded it. Every item
// a seed added, or found there already, is recorded in a demo.seeded audit entry. So
// `serve --demo` at every restart leaves an administrator's work alone: it never
// publishes over their version of a definition (nor brings back a permission they took
// out of a role), never resets a password or an edited row, and never brings back a
// row they removed; a newer Sluice's new demo items still arrive. Run again, it writes
// nothing.
func (s *Service) SeedDemo(ctx context.Context) error {
	r, err := s.newSeedRun(ctx)
	if err != nil {
		return err
	}
	if err := s.seedDefinitions(ctx, r); err != nil {
		return err
	}
	demo, err := schemas.LoadDemo()
	if err != nil {
		return err
	}
	sys := service.Actor{Username: "system"}
	err = s.Change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
		if err := r.seedRows(ctx, tx, j, demo); err != nil {
			return err
		}
		if len(r.created) == 0 && len(r.found) == 0 {
			return nil
		}
		if err := j.Audit(ctx, store.Audit{Actor: "system", Action: DemoSeeded,
			Detail: map[string]any{"created": r.created, "found": r.found}}); err != nil {
			return err
		}
		if len(r.created) == 0 {
			return nil
		}
		return s.WritePolicy(ctx, tx)
	})
	if err != nil || len(r.created) == 0 {
		return err
	}
	return s.Authz.Reload(ctx)
}

// seedRun is one SeedDemo: the items earlier seeds recorded and what this one added or
// found already there.
type seedRun struct {
	recorded       map[string]bool
	created, found []string
	hash           string // the demo password's, made once when a user is added
}

// newSeedRun reads the items earlier seeds recorded.
func (s *Service) newSeedRun(ctx context.Context) (*seedRun, error) {
	es, err := s.Store.Read.AuditEntry.Query().Where(auditentry.Action(DemoSeeded)).All(ctx)
	if err != nil {
		return nil, err
	}
	r := &seedRun{recorded: map[string]bool{}}
	for _, e := range es {
		for _, list := range []string{"created", "found"} {
			items, _ := e.Detail[list].([]any)
			for _, it := range items {
				if id, ok := it.(string); ok {
					r.recorded[id] = true
				}
			}
		}
	}
	return r, nil
}

// item seeds the demo item id unless an earlier seed recorded it: when exists finds it
// in the database it is only recorded, otherwise add adds it.
func (r *seedRun) item(id string, exists func() (bool, error), add func() error) error {
	if r.recorded[id] {
		return nil
	}
	ok, err := exists()
	if err != nil {
		return err
	}
	if ok {
		r.found = append(r.found, id)
		return nil
	}
	switch err := add(); {
	case errors.Is(err, errNotSeeded):
		return nil
	case err != nil:
		return fmt.Errorf("seed %s: %w", id, err)
	}
	r.created = append(r.created, id)
	return nil
}

// errNotSeeded is an add that left its item out on purpose (not recorded: the next
// seed tries again).
var errNotSeeded = errors.New("not seeded")

// seedDefinitions publishes each example definition whose key has no version at all
// (published or draft), in dependency order. One this database cannot take (it names
// a form or role an administrator changed) is skipped with a warning and tried again
// at the next start: an administrator's changes are no reason to refuse to start.
func (s *Service) seedDefinitions(ctx context.Context, r *seedRun) error {
	ex := schemas.Examples()
	for _, kind := range schemas.Kinds {
		files, err := fs.Glob(ex, kind+"s/*.json")
		if err != nil {
			return err
		}
		for _, file := range files {
			body, err := fs.ReadFile(ex, file)
			if err != nil {
				return err
			}
			var head struct {
				Key string `json:"key"`
			}
			if err := json.Unmarshal(body, &head); err != nil {
				return fmt.Errorf("seed %s: %w", file, err)
			}
			exists := func() (bool, error) {
				return s.Store.Read.Definition.Query().Where(definition.Kind(kind), definition.Key(head.Key)).Exist(ctx)
			}
			add := func() error {
				_, err := s.PublishBody(ctx, service.Actor{Username: "system"}, kind, head.Key, body)
				if e, ok := service.AsError(err); ok && e.Status == http.StatusUnprocessableEntity {
					s.Log.Warn("demo seed: an example definition does not fit this database; not published", "file", path.Base(file), "problem", e.Error())
					return errNotSeeded
				}
				return err
			}
			if err := r.item(kind+":"+head.Key, exists, add); err != nil {
				return err
			}
		}
	}
	return nil
}

// seedRows adds the missing rows of demo.json in one transaction.
func (r *seedRun) seedRows(ctx context.Context, tx *ent.Tx, j *store.Journal, demo *schemas.Demo) error {
	for _, d := range demo.Departments {
		err := r.item("department:"+d.Key,
			func() (bool, error) { return tx.Department.Query().Where(department.Key(d.Key)).Exist(ctx) },
			func() error {
				c := tx.Department.Create().SetKey(d.Key).SetName(d.Name["zh-TW"]).SetNames(d.Name)
				if d.Parent != "" {
					c.SetParentKey(d.Parent)
				}
				return c.Exec(ctx)
			})
		if err != nil {
			return err
		}
	}
	if err := r.seedUsers(ctx, tx, j, demo.Users); err != nil {
		return err
	}
	err := r.item("warehouse:"+inventory.DefaultWarehouse,
		func() (bool, error) {
			return tx.Warehouse.Query().Where(warehouse.Key(inventory.DefaultWarehouse)).Exist(ctx)
		},
		func() error {
			return tx.Warehouse.Create().SetKey(inventory.DefaultWarehouse).SetName("總倉").Exec(ctx)
		})
	if err != nil {
		return err
	}
	for _, p := range demo.Products {
		err := r.item("product:"+p.SKU,
			func() (bool, error) { return tx.Product.Query().Where(product.Sku(p.SKU)).Exist(ctx) },
			func() error { return addDemoProduct(ctx, tx, p) })
		if err != nil {
			return err
		}
	}
	for _, c := range demo.Channels {
		err := r.item("channel:"+c.Key,
			func() (bool, error) { return tx.Channel.Query().Where(channel.Key(c.Key)).Exist(ctx) },
			func() error {
				// The secret is sealed by SealSecrets at start.
				return tx.Channel.Create().SetKey(c.Key).SetName(c.Name).SetFlowKey(c.Flow).SetDepartment(c.Department).
					SetSubmitter(c.Submitter).SetSecret(c.Secret).SetMapping(c.Mapping).Exec(ctx)
			})
		if err != nil {
			return err
		}
	}
	for _, c := range demo.Customers {
		err := r.item("customer:"+c.Code,
			func() (bool, error) { return tx.Customer.Query().Where(customer.Code(c.Code)).Exist(ctx) },
			func() error { return addDemoCustomer(ctx, tx, c) })
		if err != nil {
			return err
		}
	}
	return nil
}

// seedUsers adds the missing demo users with their memberships, and gives each one
// added its manager when that user exists (an existing user's manager is left as an
// administrator set it).
func (r *seedRun) seedUsers(ctx context.Context, tx *ent.Tx, j *store.Journal, users []schemas.DemoUser) error {
	added := map[string]int{}
	for _, u := range users {
		err := r.item("user:"+u.Username,
			func() (bool, error) { return tx.User.Query().Where(user.Username(u.Username)).Exist(ctx) },
			func() error {
				if r.hash == "" {
					h, err := auth.HashPassword(DemoPassword)
					if err != nil {
						return err
					}
					r.hash = h
				}
				nu := access.NewUser{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Locale: u.Locale}
				for _, m := range u.Memberships {
					nu.Memberships = append(nu.Memberships, access.Membership{Department: m.Department, Role: m.Role})
				}
				id, err := access.InsertUser(ctx, tx, nu, r.hash)
				if err != nil {
					return err
				}
				added[u.Username] = id
				return j.Audit(ctx, store.Audit{Actor: "system", Action: "user.created", Detail: map[string]any{"username": u.Username, "demo": true}})
			})
		if err != nil {
			return err
		}
	}
	for _, u := range users {
		id, ok := added[u.Username]
		if !ok || u.Manager == "" {
			continue
		}
		m, err := tx.User.Query().Where(user.Username(u.Manager)).Only(ctx)
		if ent.IsNotFound(err) {
			continue // removed by an administrator
		}
		if err != nil {
			return err
		}
		if err := tx.User.UpdateOneID(id).SetManagerID(m.ID).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// addDemoProduct creates a demo product with its opening stock in the main warehouse
// (none when an administrator removed that warehouse).
func addDemoProduct(ctx context.Context, tx *ent.Tx, p schemas.DemoProduct) error {
	if err := tx.Product.Create().SetSku(p.SKU).SetName(p.Name).SetUnit(p.Unit).SetPrice(p.Price).Exec(ctx); err != nil {
		return err
	}
	main, err := tx.Warehouse.Query().Where(warehouse.Key(inventory.DefaultWarehouse)).Exist(ctx)
	if err != nil {
		return err
	}
	if p.Stock > 0 && main {
		if _, err := inventory.Adjust(ctx, tx.Client(), p.SKU, inventory.DefaultWarehouse, p.Stock, "opening stock"); err != nil {
			return err
		}
	}
	return nil
}

// addDemoCustomer creates a demo customer.
func addDemoCustomer(ctx context.Context, tx *ent.Tx, c schemas.DemoCustomer) error {
	lang := c.Language
	if lang == "" {
		lang = "zh-TW"
	}
	return tx.Customer.Create().SetCode(c.Code).SetName(c.Name).SetEmail(c.Email).SetLanguage(lang).SetAddress(c.Address).
		SetCreditLimit(c.CreditLimit).SetBlocked(c.Blocked).SetBlockedReason(c.BlockedReason).SetDepartment(c.Department).Exec(ctx)
}
