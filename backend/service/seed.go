package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"

	"sluice/backend/auth"
	"sluice/backend/ent"
	"sluice/backend/ent/customer"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/store"
	"sluice/schemas"
)

// DemoPassword is every demo user's password.
const DemoPassword = "sluice-demo"

// SeedDemo publishes the example definitions and creates the demo departments and
// users. It is idempotent: what exists already (same body, same user) is left alone.
func (s *Service) SeedDemo(ctx context.Context) error {
	sys := Actor{Username: "system"}
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
			last, err := latest(ctx, s.Store.Read, kind, head.Key)
			if err != nil {
				return err
			}
			if last != nil && sameJSON(last.Body, body) {
				continue
			}
			if _, err := s.publish(ctx, sys, kind, head.Key, body); err != nil {
				if e, ok := AsError(err); ok {
					return fmt.Errorf("seed %s: %s", path.Base(file), e.Error())
				}
				return fmt.Errorf("seed %s: %w", file, err)
			}
		}
	}
	demo, err := schemas.LoadDemo()
	if err != nil {
		return err
	}
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	err = s.change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
		for _, d := range demo.Departments {
			ok, err := tx.Department.Query().Where(department.Key(d.Key)).Exist(ctx)
			if err != nil || ok {
				if err != nil {
					return err
				}
				continue
			}
			c := tx.Department.Create().SetKey(d.Key).SetName(d.Name["zh-TW"]).SetNames(d.Name)
			if d.Parent != "" {
				c.SetParentKey(d.Parent)
			}
			if err := c.Exec(ctx); err != nil {
				return err
			}
		}
		ids := map[string]int{}
		for _, u := range demo.Users {
			existing, err := tx.User.Query().Where(user.Username(u.Username)).Only(ctx)
			if err == nil {
				ids[u.Username] = existing.ID
				continue
			}
			if !ent.IsNotFound(err) {
				return err
			}
			nu := NewUser{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, Locale: u.Locale}
			for _, m := range u.Memberships {
				nu.Memberships = append(nu.Memberships, Membership{m.Department, m.Role})
			}
			id, err := createUser(ctx, tx, nu, hash)
			if err != nil {
				return err
			}
			ids[u.Username] = id
			if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "user.created", Detail: map[string]any{"username": u.Username, "demo": true}}); err != nil {
				return err
			}
		}
		for _, u := range demo.Users {
			if m, ok := ids[u.Manager]; ok && u.Manager != "" {
				if err := tx.User.UpdateOneID(ids[u.Username]).SetManagerID(m).Exec(ctx); err != nil {
					return err
				}
			}
		}
		if err := seedInventory(ctx, tx, demo.Products); err != nil {
			return err
		}
		if err := seedChannels(ctx, tx, demo.Channels); err != nil {
			return err
		}
		if err := seedCustomers(ctx, tx, demo.Customers); err != nil {
			return err
		}
		return s.writePolicy(ctx, tx)
	})
	if err != nil {
		return err
	}
	return s.Authz.Reload(ctx)
}

func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// seedCustomers creates the demo customers; existing ones (edited since, perhaps) are
// left alone.
func seedCustomers(ctx context.Context, tx *ent.Tx, cs []schemas.DemoCustomer) error {
	for _, c := range cs {
		lang := c.Language
		if lang == "" {
			lang = "zh-TW"
		}
		if err := tx.Customer.Create().SetCode(c.Code).SetName(c.Name).SetEmail(c.Email).SetLanguage(lang).SetAddress(c.Address).
			SetCreditLimit(c.CreditLimit).SetBlocked(c.Blocked).SetBlockedReason(c.BlockedReason).
			SetDepartment(c.Department).OnConflictColumns(customer.FieldCode).Ignore().Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
