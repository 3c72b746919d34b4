package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"sluice/backend/ent"
	"sluice/backend/store"
)

// The lists phase's database is filled here, by bulk SQL inserts straight into the
// server's file (the server stopped): each seeded order is a copy of a template order
// that went through the API (its node instances, tasks, assignees, timers and audit
// entries, ids remapped and times shifted into the past), so the rows have exactly the
// shape the product writes. The audit entries are re-chained (seq, prev_hash, hash) as
// the journal would, so `sluice audit verify` still holds.

// variant is one kind of seeded order: a template, and the department and users it is
// moved to (a template of the sales department copied into sales-south, say).
type variant struct {
	name   string
	tmpl   int               // the template order's id
	dept   string            // "" keeps the template's
	users  map[string]string // username → username
	weight float64           // share of the open (or closed) orders
}

// tmplRows is one template order's rows, by table, as SELECT * returns them.
type tmplRows struct {
	dept   string
	tables map[string]*rowSet
}

type rowSet struct {
	cols []string
	rows [][]any
}

// seedTables are copied per order, in this order (each after the ids it refers to).
var seedTables = []string{"orders", "node_instances", "tasks", "task_assignees", "timers", "audit_entries"}

func readTemplate(ctx context.Context, db *sql.DB, id int) (*tmplRows, error) {
	t := &tmplRows{tables: map[string]*rowSet{}}
	for _, tbl := range seedTables {
		q := "SELECT * FROM " + tbl + " WHERE order_id = ? ORDER BY id"
		switch tbl {
		case "orders":
			q = "SELECT * FROM orders WHERE id = ?"
		case "task_assignees":
			q = "SELECT * FROM task_assignees WHERE task_id IN (SELECT id FROM tasks WHERE order_id = ?) ORDER BY id"
		case "audit_entries":
			q = "SELECT * FROM audit_entries WHERE order_id = ? ORDER BY seq"
		}
		rs, err := selectAll(ctx, db, q, id)
		if err != nil {
			return nil, fmt.Errorf("template %d, %s: %w", id, tbl, err)
		}
		t.tables[tbl] = rs
	}
	o := t.tables["orders"]
	if len(o.rows) != 1 {
		return nil, fmt.Errorf("template order %d not found", id)
	}
	t.dept, _ = o.get(0, "department").(string)
	return t, nil
}

func selectAll(ctx context.Context, db *sql.DB, q string, args ...any) (*rowSet, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	rs := &rowSet{cols: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rs.rows = append(rs.rows, vals)
	}
	return rs, rows.Err()
}

func (r *rowSet) col(name string) int {
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	return -1
}

func (r *rowSet) get(row int, name string) any {
	if i := r.col(name); i >= 0 {
		return r.rows[row][i]
	}
	return nil
}

// seeder writes the copies: multi-row INSERTs, a transaction per batch of orders.
type seeder struct {
	db      *sql.DB
	nextID  map[string]int64
	seq     int64            // the audit trail's global numbering (the ledger row's on SQLite)
	heads   map[string]*head // each order's audit chain: its last number and hash
	moved   map[string]bool  // chains appended to since the last flush
	pending map[string]*rowSet
	rows    int
}

func newSeeder(ctx context.Context, db *sql.DB) (*seeder, error) {
	s := &seeder{db: db, nextID: map[string]int64{}, pending: map[string]*rowSet{}, heads: map[string]*head{}, moved: map[string]bool{}}
	for _, tbl := range seedTables {
		var max sql.NullInt64
		if err := db.QueryRowContext(ctx, "SELECT max(id) FROM "+tbl).Scan(&max); err != nil {
			return nil, err
		}
		s.nextID[tbl] = max.Int64 + 1
	}
	if err := db.QueryRowContext(ctx, "SELECT audit_seq FROM ledgers WHERE id = 1").Scan(&s.seq); err != nil {
		return nil, err
	}
	return s, nil
}

// copyOrder appends one copy of v's template as order number num, its times moved by
// shift (negative: into the past).
func (s *seeder) copyOrder(t *tmplRows, v variant, num string, shift time.Duration) error {
	ids := map[string]map[int64]int64{} // table → template id → new id
	newID := func(tbl string, old int64) int64 {
		m := ids[tbl]
		if m == nil {
			m = map[int64]int64{}
			ids[tbl] = m
		}
		if n, ok := m[old]; ok {
			return n
		}
		n := s.nextID[tbl]
		s.nextID[tbl]++
		m[old] = n
		return n
	}
	mapRef := func(tbl string, val any) any {
		old, ok := val.(int64)
		if !ok {
			return val // NULL
		}
		return newID(tbl, old)
	}
	for _, tbl := range seedTables {
		src := t.tables[tbl]
		dst := s.pending[tbl]
		if dst == nil {
			dst = &rowSet{cols: src.cols}
			s.pending[tbl] = dst
		}
		for _, row := range src.rows {
			out := make([]any, len(row))
			for i, c := range src.cols {
				val := row[i]
				switch {
				case c == "id":
					val = newID(tbl, val.(int64))
				case c == "order_id" && tbl != "orders":
					val = mapRef("orders", val)
				case c == "node_instance_id":
					val = mapRef("node_instances", val)
				case c == "task_id":
					val = mapRef("tasks", val)
				case c == "parent_id" && tbl == "tasks":
					val = mapRef("tasks", val)
				case c == "number" && tbl == "orders":
					val = num
				case c == "department" && v.dept != "":
					if val == t.dept {
						val = v.dept
					}
				default:
					switch x := val.(type) {
					case time.Time:
						// a pending timer keeps its deadline ahead: moved into the past it
						// would fire at once, and the reminders would load the measurement
						if tbl != "timers" || (c != "due_at" && c != "claimed_until") {
							val = x.Add(shift)
						}
					case []byte: // JSON columns (stored as blobs, as ent writes them)
						if len(x) > 0 && x[0] == '[' && len(v.users) > 0 {
							js := string(x)
							for from, to := range v.users {
								js = strings.ReplaceAll(js, `"`+from+`"`, `"`+to+`"`)
							}
							val = []byte(js)
						}
					case string:
						if u, ok := v.users[x]; ok {
							val = u
						} else if strings.HasPrefix(x, "[") {
							for from, to := range v.users {
								x = strings.ReplaceAll(x, `"`+from+`"`, `"`+to+`"`)
							}
							val = x
						}
					}
				}
				out[i] = val
			}
			if tbl == "audit_entries" {
				if err := s.chain(src.cols, out); err != nil {
					return err
				}
			}
			dst.rows = append(dst.rows, out)
		}
	}
	return nil
}

// head is an audit chain's last entry: its number in the chain and its hash.
type head struct {
	seq  int64
	hash string
}

// chain appends an audit row to its order's chain (store.ChainOf): the next global
// number, the next number in the chain and its hash (store.AuditHash over what the row
// reads back as).
func (s *seeder) chain(cols []string, row []any) error {
	e := &ent.AuditEntry{}
	at := map[string]int{}
	for i, c := range cols {
		at[c] = i
	}
	id, _ := row[at["order_id"]].(int64)
	e.Chain = store.ChainOf(store.Audit{OrderID: int(id)})
	h := s.heads[e.Chain]
	if h == nil {
		h = &head{}
		s.heads[e.Chain] = h
	}
	s.moved[e.Chain] = true
	s.seq++
	e.Seq, e.ChainSeq, e.PrevHash = s.seq, h.seq+1, h.hash
	row[at["seq"]], row[at["chain"]], row[at["chain_seq"]], row[at["prev_hash"]] = e.Seq, e.Chain, e.ChainSeq, e.PrevHash
	e.At, _ = row[at["at"]].(time.Time)
	e.Actor, _ = row[at["actor"]].(string)
	e.Action, _ = row[at["action"]].(string)
	e.Node, _ = row[at["node"]].(string)
	e.RequestID, _ = row[at["request_id"]].(string)
	if id, ok := row[at["order_id"]].(int64); ok {
		n := int(id)
		e.OrderID = &n
	}
	if id, ok := row[at["task_id"]].(int64); ok {
		n := int(id)
		e.TaskID = &n
	}
	var detail string
	switch d := row[at["detail"]].(type) {
	case string:
		detail = d
	case []byte:
		detail = string(d)
	}
	e.Detail = map[string]any{}
	if detail != "" {
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return fmt.Errorf("audit detail: %w", err)
		}
	}
	sum, err := store.AuditHash(e)
	if err != nil {
		return err
	}
	row[at["hash"]] = sum
	h.seq, h.hash = e.ChainSeq, sum
	return nil
}

// flush writes the pending rows and the ledger's head in one transaction.
func (s *seeder) flush(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, tbl := range seedTables {
		rs := s.pending[tbl]
		if rs == nil || len(rs.rows) == 0 {
			continue
		}
		per := max(1, 30000/len(rs.cols)) // under SQLite's 32,766 variables
		for lo := 0; lo < len(rs.rows); lo += per {
			chunk := rs.rows[lo:min(lo+per, len(rs.rows))]
			var b strings.Builder
			b.WriteString("INSERT INTO " + tbl + " (" + strings.Join(rs.cols, ", ") + ") VALUES ")
			one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(rs.cols)), ", ") + ")"
			args := make([]any, 0, len(chunk)*len(rs.cols))
			for i, r := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(one)
				args = append(args, r...)
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return fmt.Errorf("seed %s: %w", tbl, err)
			}
			s.rows += len(chunk)
		}
		rs.rows = rs.rows[:0]
	}
	for c := range s.moved {
		h := s.heads[c]
		if _, err := tx.ExecContext(ctx, "INSERT INTO audit_chains (chain, seq, hash) VALUES (?, ?, ?) "+
			"ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash", c, h.seq, h.hash); err != nil {
			return err
		}
	}
	clear(s.moved)
	if _, err := tx.ExecContext(ctx, "UPDATE ledgers SET audit_seq = ? WHERE id = 1", s.seq); err != nil {
		return err
	}
	return tx.Commit()
}

// seedOrders writes n orders, open of them copies of the open variants and the rest of
// the closed ones (each drawn by weight), created over the last 90 days in id order.
func seedOrders(ctx context.Context, path string, n, open int, openV, closedV []variant, r *rand.Rand) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(OFF)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tmpls := map[int]*tmplRows{}
	for _, v := range append(append([]variant{}, openV...), closedV...) {
		if tmpls[v.tmpl] == nil {
			if tmpls[v.tmpl], err = readTemplate(ctx, db, v.tmpl); err != nil {
				return 0, err
			}
		}
	}
	s, err := newSeeder(ctx, db)
	if err != nil {
		return 0, err
	}
	pick := func(vs []variant) variant {
		x := r.Float64()
		for _, v := range vs {
			if x -= v.weight; x < 0 {
				return v
			}
		}
		return vs[len(vs)-1]
	}
	// open and closed orders interleave (a seeded shuffle)
	isOpen := make([]bool, n)
	for i := range open {
		isOpen[i] = true
	}
	r.Shuffle(n, func(i, j int) { isOpen[i], isOpen[j] = isOpen[j], isOpen[i] })
	span := 90 * 24 * time.Hour
	const batch = 2000
	for i := range n {
		vs := closedV
		if isOpen[i] {
			vs = openV
		}
		v := pick(vs)
		shift := -span + time.Duration(i)*(span/time.Duration(n))
		if err := s.copyOrder(tmpls[v.tmpl], v, fmt.Sprintf("BENCH-%07d", i+1), shift); err != nil {
			return 0, err
		}
		if (i+1)%batch == 0 || i == n-1 {
			if err := ctx.Err(); err != nil {
				return 0, errInterrupted
			}
			if err := s.flush(ctx); err != nil {
				return 0, err
			}
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return 0, err
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	return s.rows, anchorSeeded(ctx, path)
}

// anchorSeeded folds the seeded chains' heads into the global chain (store.Anchor), as
// the server's anchoring every half minute would have while the orders came in: left to
// the server, its first pass would catch up on every order at once, beside the reads
// the phase measures.
func anchorSeeded(ctx context.Context, path string) error {
	st, err := store.Open(ctx, "sqlite://"+path)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Anchor(ctx); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return fmt.Errorf("anchor the seeded chains: %w", err)
	}
	return nil
}
