package authz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"

	"sluice/backend/ent"
	"sluice/backend/ent/casbinrule"
	"sluice/backend/ent/predicate"
)

// Adapter stores Casbin policy lines in the ent CasbinRule table (ptype, v0..v5; unique
// together). It implements persist.Adapter, persist.BatchAdapter and their context
// variants. Built with NewAdapter it runs each multi-row change in its own transaction;
// built with NewTxAdapter every call runs inside the caller's transaction.
type Adapter struct {
	client *ent.Client
	tx     *ent.Tx
	ctx    context.Context // for the methods without a context argument
}

var (
	_ persist.Adapter             = (*Adapter)(nil)
	_ persist.BatchAdapter        = (*Adapter)(nil)
	_ persist.ContextAdapter      = (*Adapter)(nil)
	_ persist.ContextBatchAdapter = (*Adapter)(nil)
)

// maxFields is the number of value columns (v0..v5).
const maxFields = 6

// insertChunk keeps a bulk insert under SQLite's and PostgreSQL's bound-parameter limits
// (7 columns per row).
const insertChunk = 500

// NewAdapter returns an adapter over client.
func NewAdapter(client *ent.Client) *Adapter {
	return &Adapter{client: client, ctx: context.Background()}
}

// NewTxAdapter returns an adapter whose reads and writes all happen in tx.
func NewTxAdapter(tx *ent.Tx) *Adapter {
	return &Adapter{tx: tx, ctx: context.Background()}
}

// withContext returns a copy whose context-less methods use ctx.
func (a *Adapter) withContext(ctx context.Context) *Adapter {
	c := *a
	c.ctx = ctx
	return &c
}

func (a *Adapter) rules() *ent.CasbinRuleClient {
	if a.tx != nil {
		return a.tx.CasbinRule
	}
	return a.client.CasbinRule
}

// inTx runs fn in the adapter's transaction, or in a new one that it commits.
func (a *Adapter) inTx(ctx context.Context, fn func(*ent.CasbinRuleClient) error) (err error) {
	if a.tx != nil {
		return fn(a.tx.CasbinRule)
	}
	tx, err := a.client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("authz: begin: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx.CasbinRule); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("authz: commit: %w", err)
	}
	return nil
}

// line is one stored policy line: ptype then v0..v5 ("" where unused).
type line [1 + maxFields]string

func toLine(ptype string, rule []string) (line, error) {
	var l line
	if ptype == "" {
		return l, errors.New("authz: empty ptype")
	}
	if len(rule) > maxFields {
		return l, fmt.Errorf("authz: policy %s %v has %d fields, the table holds %d", ptype, rule, len(rule), maxFields)
	}
	l[0] = ptype
	copy(l[1:], rule)
	return l, nil
}

func lineOf(r *ent.CasbinRule) line {
	return line{r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
}

// values returns ptype and the values with trailing empty fields dropped (Casbin's convention).
func (l line) values() []string {
	n := len(l)
	for n > 1 && l[n-1] == "" {
		n--
	}
	return slices.Clone(l[:n])
}

func (l line) where() predicate.CasbinRule {
	return casbinrule.And(
		casbinrule.PtypeEQ(l[0]), casbinrule.V0EQ(l[1]), casbinrule.V1EQ(l[2]), casbinrule.V2EQ(l[3]),
		casbinrule.V3EQ(l[4]), casbinrule.V4EQ(l[5]), casbinrule.V5EQ(l[6]))
}

func insert(ctx context.Context, c *ent.CasbinRuleClient, lines []line) error {
	for chunk := range slices.Chunk(lines, insertChunk) {
		builders := make([]*ent.CasbinRuleCreate, len(chunk))
		for i, l := range chunk {
			builders[i] = c.Create().SetPtype(l[0]).
				SetV0(l[1]).SetV1(l[2]).SetV2(l[3]).SetV3(l[4]).SetV4(l[5]).SetV5(l[6])
		}
		if err := c.CreateBulk(builders...).Exec(ctx); err != nil {
			return fmt.Errorf("authz: insert policy: %w", err)
		}
	}
	return nil
}

// versionType is the ptype of the table's one version row: v0 is a random token that
// every change of the policy lines replaces, in the change's transaction. Casbin never
// sees it; it lets an instance tell in one indexed read whether its snapshot is the
// policy the database holds (Authz.Current). A table written before versions existed
// has none, which reads as version "".
const versionType = "version"

// load returns every stored policy line and the version, read in one statement so the
// two agree.
func (a *Adapter) load(ctx context.Context) ([]line, string, error) {
	rows, err := a.rules().Query().Order(ent.Asc(casbinrule.FieldID)).All(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("authz: load policy: %w", err)
	}
	out := make([]line, 0, len(rows))
	version, versions := "", 0
	for _, r := range rows {
		if r.Ptype == versionType {
			version, versions = r.V0, versions+1
			continue
		}
		out = append(out, lineOf(r))
	}
	if versions > 1 {
		return nil, "", fmt.Errorf("authz: load policy: %d version rows", versions)
	}
	return out, version, nil
}

// readVersion reads the policy's version through c (a transaction's client, to read
// what that transaction sees).
func readVersion(ctx context.Context, c *ent.CasbinRuleClient) (string, error) {
	vs, err := c.Query().Where(casbinrule.PtypeEQ(versionType)).Select(casbinrule.FieldV0).Strings(ctx)
	switch {
	case err != nil:
		return "", fmt.Errorf("authz: read the policy version: %w", err)
	case len(vs) > 1:
		return "", fmt.Errorf("authz: %d policy version rows", len(vs))
	case len(vs) == 0:
		return "", nil
	}
	return vs[0], nil
}

// newVersion gives the policy a new version, in the transaction that changed its lines.
// A random token rather than a counter: two transactions that both read version n can
// never both write the same next one.
func newVersion(ctx context.Context, c *ent.CasbinRuleClient) error {
	var b [12]byte
	_, _ = rand.Read(b[:])
	v := hex.EncodeToString(b[:])
	n, err := c.Update().Where(casbinrule.PtypeEQ(versionType)).SetV0(v).Save(ctx)
	if err == nil && n == 0 {
		err = c.Create().SetPtype(versionType).SetV0(v).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("authz: new policy version: %w", err)
	}
	return nil
}

// sync makes the table hold exactly want: it deletes the lines not wanted and inserts the
// missing ones, leaving unchanged lines (and their ids) alone. A change gets a new
// version; no change keeps the old one.
func (a *Adapter) sync(ctx context.Context, want []line) error {
	return a.inTx(ctx, func(c *ent.CasbinRuleClient) error {
		rows, err := c.Query().All(ctx)
		if err != nil {
			return fmt.Errorf("authz: read policy: %w", err)
		}
		wanted := make(map[line]bool, len(want))
		for _, l := range want {
			wanted[l] = true
		}
		var stale []int
		have := make(map[line]bool, len(rows))
		for _, r := range rows {
			l := lineOf(r)
			if r.Ptype == versionType {
				continue
			}
			if wanted[l] {
				have[l] = true
			} else {
				stale = append(stale, r.ID)
			}
		}
		for chunk := range slices.Chunk(stale, insertChunk) {
			if _, err := c.Delete().Where(casbinrule.IDIn(chunk...)).Exec(ctx); err != nil {
				return fmt.Errorf("authz: delete policy: %w", err)
			}
		}
		var missing []line
		for _, l := range want {
			if !have[l] {
				have[l] = true // also drops duplicates within want
				missing = append(missing, l)
			}
		}
		if len(stale) == 0 && len(missing) == 0 {
			return nil
		}
		if err := insert(ctx, c, missing); err != nil {
			return err
		}
		return newVersion(ctx, c)
	})
}

// LoadPolicyCtx loads every stored line into m.
func (a *Adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	lines, _, err := a.load(ctx)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if l[0] == "" {
			return errors.New("authz: stored policy line with empty ptype")
		}
		if err := persist.LoadPolicyArray(l.values(), m); err != nil {
			return fmt.Errorf("authz: load policy line %v: %w", l.values(), err)
		}
	}
	return nil
}

// SavePolicyCtx replaces the stored policy with every p and g line of m.
func (a *Adapter) SavePolicyCtx(ctx context.Context, m model.Model) error {
	var want []line
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, rule := range ast.Policy {
				l, err := toLine(ptype, rule)
				if err != nil {
					return err
				}
				want = append(want, l)
			}
		}
	}
	return a.sync(ctx, want)
}

// AddPolicyCtx stores one line.
func (a *Adapter) AddPolicyCtx(ctx context.Context, _ string, ptype string, rule []string) error {
	return a.AddPoliciesCtx(ctx, "", ptype, [][]string{rule})
}

// AddPoliciesCtx stores several lines atomically.
func (a *Adapter) AddPoliciesCtx(ctx context.Context, _ string, ptype string, rules [][]string) error {
	lines := make([]line, 0, len(rules))
	for _, r := range rules {
		l, err := toLine(ptype, r)
		if err != nil {
			return err
		}
		lines = append(lines, l)
	}
	return a.inTx(ctx, func(c *ent.CasbinRuleClient) error {
		if err := insert(ctx, c, lines); err != nil {
			return err
		}
		return newVersion(ctx, c)
	})
}

// RemovePolicyCtx deletes one line (exact match on every column).
func (a *Adapter) RemovePolicyCtx(ctx context.Context, _ string, ptype string, rule []string) error {
	return a.RemovePoliciesCtx(ctx, "", ptype, [][]string{rule})
}

// RemovePoliciesCtx deletes several lines atomically.
func (a *Adapter) RemovePoliciesCtx(ctx context.Context, _ string, ptype string, rules [][]string) error {
	lines := make([]line, 0, len(rules))
	for _, r := range rules {
		l, err := toLine(ptype, r)
		if err != nil {
			return err
		}
		lines = append(lines, l)
	}
	return a.inTx(ctx, func(c *ent.CasbinRuleClient) error {
		for _, l := range lines {
			if _, err := c.Delete().Where(l.where()).Exec(ctx); err != nil {
				return fmt.Errorf("authz: delete policy: %w", err)
			}
		}
		return newVersion(ctx, c)
	})
}

// RemoveFilteredPolicyCtx deletes the lines of ptype whose fields from fieldIndex on equal
// fieldValues; an empty value matches anything.
func (a *Adapter) RemoveFilteredPolicyCtx(ctx context.Context, _ string, ptype string, fieldIndex int, fieldValues ...string) error {
	if fieldIndex < 0 || fieldIndex+len(fieldValues) > maxFields {
		return fmt.Errorf("authz: filter on fields %d..%d out of range", fieldIndex, fieldIndex+len(fieldValues)-1)
	}
	preds := []predicate.CasbinRule{casbinrule.PtypeEQ(ptype)}
	for i, v := range fieldValues {
		if v == "" {
			continue
		}
		preds = append(preds, fieldEQ(fieldIndex+i, v))
	}
	return a.inTx(ctx, func(c *ent.CasbinRuleClient) error {
		if _, err := c.Delete().Where(preds...).Exec(ctx); err != nil {
			return fmt.Errorf("authz: delete policy: %w", err)
		}
		return newVersion(ctx, c)
	})
}

func fieldEQ(i int, v string) predicate.CasbinRule {
	return [maxFields]func(string) predicate.CasbinRule{
		casbinrule.V0EQ, casbinrule.V1EQ, casbinrule.V2EQ, casbinrule.V3EQ, casbinrule.V4EQ, casbinrule.V5EQ,
	}[i](v)
}

// LoadPolicy implements persist.Adapter.
func (a *Adapter) LoadPolicy(m model.Model) error { return a.LoadPolicyCtx(a.ctx, m) }

// SavePolicy implements persist.Adapter.
func (a *Adapter) SavePolicy(m model.Model) error { return a.SavePolicyCtx(a.ctx, m) }

// AddPolicy implements persist.Adapter.
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	return a.AddPolicyCtx(a.ctx, sec, ptype, rule)
}

// RemovePolicy implements persist.Adapter.
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	return a.RemovePolicyCtx(a.ctx, sec, ptype, rule)
}

// RemoveFilteredPolicy implements persist.Adapter.
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	return a.RemoveFilteredPolicyCtx(a.ctx, sec, ptype, fieldIndex, fieldValues...)
}

// AddPolicies implements persist.BatchAdapter.
func (a *Adapter) AddPolicies(sec, ptype string, rules [][]string) error {
	return a.AddPoliciesCtx(a.ctx, sec, ptype, rules)
}

// RemovePolicies implements persist.BatchAdapter.
func (a *Adapter) RemovePolicies(sec, ptype string, rules [][]string) error {
	return a.RemovePoliciesCtx(a.ctx, sec, ptype, rules)
}

// rowsToLines validates rows in the Derive format ({"p", sub, dom, obj, act} or
// {"g", user, role, dom}) against Sluice's model.
func rowsToLines(rows [][]string) ([]line, error) {
	out := make([]line, 0, len(rows))
	for i, r := range rows {
		if len(r) == 0 {
			return nil, fmt.Errorf("authz: row %d is empty", i)
		}
		want := map[string]int{"p": 4, "g": 3}[r[0]]
		if want == 0 {
			return nil, fmt.Errorf("authz: row %d: ptype %q, want p or g", i, r[0])
		}
		if len(r)-1 != want {
			return nil, fmt.Errorf("authz: row %d %v: %s needs %d values", i, r, r[0], want)
		}
		if slices.Contains(r[1:], "") {
			return nil, fmt.Errorf("authz: row %d %v has an empty value", i, r)
		}
		l, err := toLine(r[0], r[1:])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
