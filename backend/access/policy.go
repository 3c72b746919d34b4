package access

import (
	"context"
	"encoding/json"

	"sluice/backend/authz"
	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/definition"
	"sluice/backend/ent/user"
	"sluice/backend/store"
)

// nodeActions are what an approver of a review node may do to its tasks.
var nodeActions = engine.TaskActions

// WritePolicy derives the whole Casbin policy from what is published (roles, flows),
// who holds which role where, and who is an admin, and rewrites it inside tx. It is
// small (one row per grant) and rebuilt whole so it can never drift from its sources.
// Rebuilds take turns (store.TakeTurn) so two concurrent changes cannot each derive
// from a state without the other's.
func (s *Access) WritePolicy(ctx context.Context, tx *ent.Tx) error {
	if err := s.Store.TakeTurn(ctx, tx, store.TurnPolicy); err != nil {
		return err
	}
	c := tx.Client()
	defs, err := c.Definition.Query().Where(definition.Status("published"), definition.KindIn("role", "flow")).
		Order(ent.Asc(definition.FieldKey), ent.Asc(definition.FieldVersion)).All(ctx)
	if err != nil {
		return err
	}
	// Roles count in their newest version; flows in every version, because orders in
	// flight stay on the version they started with and must stay decidable.
	latestRole := map[string][]byte{}
	var roleKeys []string
	var flowBodies [][]byte
	for _, d := range defs {
		if d.Kind == "flow" {
			flowBodies = append(flowBodies, d.Body)
			continue
		}
		if _, seen := latestRole[d.Key]; !seen {
			roleKeys = append(roleKeys, d.Key)
		}
		latestRole[d.Key] = d.Body
	}
	var roles []authz.RoleGrant
	var nodes []authz.NodeGrant
	for _, k := range roleKeys {
		r, probs := definitions.ParseRole(latestRole[k])
		if len(probs) > 0 {
			continue
		}
		roles = append(roles, authz.RoleGrant{Role: r.Key, Scope: r.Scope, Permissions: r.Permissions})
	}
	for _, body := range flowBodies {
		var doc engine.FlowDoc
		if err := json.Unmarshal(body, &doc); err != nil {
			continue
		}
		for _, n := range doc.Nodes {
			if n.Type != engine.TypeReview || n.Approvers == nil || n.Approvers.Role == "" {
				continue
			}
			nodes = append(nodes, authz.NodeGrant{Flow: doc.Key, Node: n.ID, Role: n.Approvers.Role,
				Department: n.Approvers.Department, Actions: nodeActions})
		}
	}
	ms, err := c.Membership.Query().All(ctx)
	if err != nil {
		return err
	}
	users, err := c.User.Query().Where(user.Disabled(false)).All(ctx)
	if err != nil {
		return err
	}
	names := map[int]string{}
	var admins []string
	for _, u := range users {
		names[u.ID] = u.Username
		if u.IsAdmin {
			admins = append(admins, u.Username)
		}
	}
	var members []authz.Member
	for _, m := range ms {
		if n, ok := names[m.UserID]; ok {
			members = append(members, authz.Member{Username: n, Department: m.Department, Role: m.Role})
		}
	}
	return s.Authz.Replace(ctx, tx, authz.Derive(roles, nodes, members, admins))
}

// RefreshPolicy rebuilds the policy in its own transaction (after seeding, say).
func (s *Access) RefreshPolicy(ctx context.Context) error {
	if err := s.Store.Tx(ctx, func(tx *ent.Tx) error { return s.WritePolicy(ctx, tx) }); err != nil {
		return err
	}
	return s.Authz.Reload(ctx)
}
