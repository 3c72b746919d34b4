package service

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/ent/taskassignee"
)

// Bounded reads (issue 16): every list answers one page, read along an index in the
// database, with an opaque cursor (`next_cursor`, passed back as `?cursor=`); nothing
// binds an unbounded list of ids or loads a whole table to filter in Go. Search runs in
// SQL over a normalised text of each order (number, submitter, customer code and name,
// SKUs; migration 00012 keeps it by trigger): an FTS5 trigram index on SQLite, a
// pg_trgm GIN index on PostgreSQL. The page it finds is checked once more against what
// the caller may see (fields.go), so a hidden customer or item never makes a match.

// DefaultPageSize and MaxPageSize bound every list's page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

func pageSize(n int) int {
	if n <= 0 || n > MaxPageSize {
		return DefaultPageSize
	}
	return n
}

// PageSize and IntCursor are the page size and the cursor every list uses, for the
// features' lists (ParseCursor reads one, ports.go).
func PageSize(n int) int      { return pageSize(n) }
func IntCursor(id int) string { return intCursor(id) }

// searchRounds bounds how many pages of SQL matches a search reads to fill one page
// when the visibility check drops some; past it the page is short and has a cursor.
const searchRounds = 8

// searchText normalises a search query ("" when there is nothing to search).
func searchText(q string) string { return strings.ToLower(strings.TrimSpace(q)) }

// orderSearch narrows an order query to the orders whose search text contains q (a
// superset on SQLite, where % and _ in q are wildcards; matchesVisible decides).
func (s *Service) orderSearch(q string) func(*entsql.Selector) {
	q = searchText(q)
	return func(sel *entsql.Selector) {
		if s.Store.Dialect == dialect.Postgres {
			pat := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
			col := sel.C("search")
			// Ident, not WriteString: a subquery built before its dialect is known quotes
			// with backticks, which Ident turns into PostgreSQL's double quotes
			sel.Where(entsql.P(func(b *entsql.Builder) { b.Ident(col).WriteString(" ILIKE ").Arg(pat) }))
			return
		}
		fts := entsql.Table("order_search")
		sel.Where(entsql.In(sel.C(order.FieldID), entsql.Select(fts.C("rowid")).From(fts).Where(entsql.Like(fts.C("search"), "%"+q+"%"))))
	}
}

// matchesVisible says whether q (normalised) is in what the actor may see of o: its
// number, submitter, customer (code and name) unless hidden, SKUs unless the items are.
func (g *fieldGuard) matchesVisible(ctx context.Context, o *ent.Order, q string) (bool, error) {
	if q == "" {
		return true, nil
	}
	if strings.Contains(strings.ToLower(o.Number), q) || strings.Contains(strings.ToLower(o.Submitter), q) {
		return true, nil
	}
	h, err := g.hidden(ctx, o)
	if err != nil {
		return false, err
	}
	if !h.fields["customer"] {
		if strings.Contains(strings.ToLower(o.Customer), q) {
			return true, nil
		}
		if cu, ok := o.Data["customer"].(map[string]any); ok {
			if n, ok := cu["name"].(string); ok && strings.Contains(strings.ToLower(n), q) {
				return true, nil
			}
		}
	}
	if !h.fields["items"] {
		if items, ok := o.Data["items"].([]any); ok {
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					if sku, ok := m["sku"].(string); ok && strings.Contains(strings.ToLower(sku), q) {
						return true, nil
					}
				}
			}
		}
	}
	return false, nil
}

// assignedOrders keeps the orders with a task the user was ever assigned (or copied)
// on: a correlated EXISTS, never a list of ids. (Correlated on purpose: as one term of
// an OR beside indexed columns, an uncorrelated IN would let SQLite answer the OR by a
// union of index scans and then sort every visible order before the LIMIT; EXISTS keeps
// the list walking the primary key newest first and stopping at a page.)
func assignedOrders(username string) func(*entsql.Selector) {
	return func(sel *entsql.Selector) {
		t, ta := entsql.Table(task.Table), entsql.Table(taskassignee.Table)
		sel.Where(entsql.Exists(entsql.Select(t.C(task.FieldID)).From(t).Join(ta).On(t.C(task.FieldID), ta.C(taskassignee.FieldTaskID)).
			Where(entsql.And(entsql.ColumnsEQ(t.C(task.FieldOrderID), sel.C(order.FieldID)), entsql.EQ(ta.C(taskassignee.FieldUsername), username)))))
	}
}

// intCursor and its string form: a list ordered by one id column passes the last id.
func intCursor(id int) string { return strconv.Itoa(id) }

// uniqueInts sorts and deduplicates (a page's worth of ids).
func uniqueInts(ids []int) []int { return slices.Compact(slices.Sorted(slices.Values(ids))) }
