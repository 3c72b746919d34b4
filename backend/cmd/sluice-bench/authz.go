package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"sluice/backend/authz"
	"sluice/backend/ent"
	"sluice/backend/store"
)

// The authorization phase's policy size and target (issue 16: a check inside an action
// costs well under a millisecond at 10,000 grants).
const (
	authzGrants      = 10000
	authzMemberships = 2000
	targetAuthzP99ms = 1.0
)

// authzResult is one check's cost at authzGrants grants and authzMemberships
// memberships: as Sluice answers it (the index), as plain Casbin Enforce answers the
// same requests on the same snapshot, and the version read every write transaction
// makes (authz.Current).
type authzResult struct {
	Grants      int     `json:"grants"`
	Memberships int     `json:"memberships"`
	Checks      int     `json:"checks"`
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	Enforces    int     `json:"enforces"`
	EnforceP50  float64 `json:"enforce_p50_ms"`
	EnforceP99  float64 `json:"enforce_p99_ms"`
	VersionP50  float64 `json:"version_p50_us"`
	VersionP99  float64 `json:"version_p99_us"`
	ReloadMs    float64 `json:"reload_ms"`
	Allowed     float64 `json:"allowed_share"`
}

// measureAuthz writes a generated policy (Derive's shape) into a fresh SQLite database
// at path, loads it as the server does and times checks drawn like an action's: a
// member asking about a review node, half the time one their role is granted.
func measureAuthz(ctx context.Context, path string) (authzResult, error) {
	st, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		return authzResult{}, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return authzResult{}, err
	}
	r := rand.New(rand.NewPCG(16, 4))
	rows := benchPolicy(r)
	a, err := authz.New(ctx, st.Read)
	if err != nil {
		return authzResult{}, err
	}
	if err := st.Tx(ctx, func(tx *ent.Tx) error { return a.Replace(ctx, tx, rows) }); err != nil {
		return authzResult{}, err
	}
	t0 := time.Now()
	if err := a.Reload(ctx); err != nil {
		return authzResult{}, err
	}
	res := authzResult{ReloadMs: ms(time.Since(t0))}
	var g [][]string
	byRole := map[string][][]string{}
	for _, row := range rows {
		if row[0] == "g" {
			g = append(g, row)
			res.Memberships++
		} else {
			byRole[row[1]] = append(byRole[row[1]], row)
			res.Grants++
		}
	}
	request := func() [4]string {
		m := g[r.IntN(len(g))]
		q := [4]string{m[1], m[3], authz.NodeObject(fmt.Sprintf("f%d", r.IntN(120)), fmt.Sprintf("n%d", r.IntN(12))), "approve"}
		if q[1] == authz.Global {
			q[1] = fmt.Sprintf("d%d", r.IntN(40))
		}
		if ps := byRole[m[2]]; len(ps) > 0 && r.IntN(2) == 0 {
			p := ps[r.IntN(len(ps))]
			q[2], q[3] = p[3], p[4]
			if p[2] != authz.Global {
				q[1] = p[2]
			}
		}
		return q
	}

	const checks, enforces, versions = 20000, 60, 2000
	lat := make([]time.Duration, 0, checks)
	allowed := 0
	for range checks {
		q := request()
		t0 := time.Now()
		ok := a.Can(q[0], q[1], q[2], q[3])
		lat = append(lat, time.Since(t0))
		if ok {
			allowed++
		}
	}
	slices.Sort(lat)
	res.Checks, res.P50us, res.P99us = checks, us(percentile(lat, 0.5)), us(percentile(lat, 0.99))
	res.Allowed = float64(allowed) / checks

	lat = lat[:0]
	for range enforces {
		q := request()
		t0 := time.Now()
		if _, err := a.Enforce(q[0], q[1], q[2], q[3]); err != nil {
			return res, err
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	res.Enforces, res.EnforceP50, res.EnforceP99 = enforces, ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99))

	lat = lat[:0]
	for range versions {
		t0 := time.Now()
		if err := a.Current(ctx, st.Read.CasbinRule); err != nil {
			return res, err
		}
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	res.VersionP50, res.VersionP99 = us(percentile(lat, 0.5)), us(percentile(lat, 0.99))
	return res, nil
}

// benchPolicy derives a policy of authzGrants p lines and authzMemberships g lines: 60
// roles (6 global), review nodes of 120 flows granted to them (7 actions each, a fifth
// fixed to a department, a third of them to one busy role), 1,000 users in 40
// departments, no admin (whose line would allow everything at once).
func benchPolicy(r *rand.Rand) [][]string {
	perms := authz.Permissions
	var roles []authz.RoleGrant
	for i := range 60 {
		g := authz.RoleGrant{Role: fmt.Sprintf("r%d", i), Scope: authz.ScopeDepartment}
		if i < 6 {
			g.Scope = authz.ScopeGlobal
		}
		for range 1 + r.IntN(4) {
			g.Permissions = append(g.Permissions, perms[r.IntN(len(perms))])
		}
		roles = append(roles, g)
	}
	actions := []string{"approve", "reject", "comment", "return", "transfer", "delegate", "add_signer"}
	var nodes []authz.NodeGrant
	var members []authz.Member
	seen := map[authz.Member]bool{}
	for len(members) < authzMemberships {
		role := r.IntN(60)
		m := authz.Member{Username: fmt.Sprintf("u%d", r.IntN(1000)), Department: fmt.Sprintf("d%d", r.IntN(40)), Role: fmt.Sprintf("r%d", role)}
		if role < 6 {
			m.Department = authz.Global // a global role holds everywhere: one line per user
		}
		if !seen[m] {
			seen[m] = true
			members = append(members, m)
		}
	}
	for {
		rows := authz.Derive(roles, nodes, members, nil)
		p := len(rows) - authzMemberships
		if p >= authzGrants {
			return rows
		}
		for range max(1, (authzGrants-p)/len(actions)) {
			role := r.IntN(60)
			if r.IntN(3) == 0 {
				role = 7
			}
			n := authz.NodeGrant{Flow: fmt.Sprintf("f%d", r.IntN(120)), Node: fmt.Sprintf("n%d", r.IntN(12)),
				Role: fmt.Sprintf("r%d", role), Actions: actions}
			if r.IntN(5) == 0 {
				n.Department = fmt.Sprintf("d%d", r.IntN(40))
			}
			nodes = append(nodes, n)
		}
	}
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
