package fulfilment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/order"
	"sluice/backend/ent/product"
	"sluice/backend/ent/stock"
	"sluice/backend/ent/stockmove"
	"sluice/backend/ent/timer"
	"sluice/backend/ent/user"
	"sluice/backend/ent/warehouse"
	"sluice/backend/goods"
	"sluice/backend/i18n"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
)

// ProductView is a product as the API shows it; price is the list price that price
// checks (the Prices port) compare order lines with.
type ProductView struct {
	SKU       string    `json:"sku"`
	Name      string    `json:"name"`
	Unit      string    `json:"unit"`
	Price     float64   `json:"price"`
	LowStock  int       `json:"low_stock"`
	CreatedAt time.Time `json:"created_at"`
}

func productView(p *ent.Product) ProductView {
	return ProductView{SKU: p.Sku, Name: p.Name, Unit: p.Unit, Price: p.Price, LowStock: p.LowStock, CreatedAt: p.CreatedAt}
}

// ProductInput is the body of POST /products and PUT /products/{sku}; on PUT a field
// left out keeps its value.
type ProductInput struct {
	SKU      string   `json:"sku,omitempty" max:"64"`
	Name     *string  `json:"name,omitempty" max:"200"`
	Unit     *string  `json:"unit,omitempty" max:"32"`
	Price    *float64 `json:"price,omitempty"`
	LowStock *int     `json:"low_stock,omitempty"`
}

// WarehouseView is a warehouse; WarehouseInput creates one.
type WarehouseView struct {
	Key       string    `json:"key"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// WarehouseInput is the body of POST /warehouses.
type WarehouseInput struct {
	Key  string `json:"key" max:"64"`
	Name string `json:"name,omitempty" max:"200"`
}

// StockView is one product's stock in one warehouse.
type StockView struct {
	SKU       string    `json:"sku"`
	Name      string    `json:"name"`
	Warehouse string    `json:"warehouse"`
	OnHand    int       `json:"on_hand"`
	Reserved  int       `json:"reserved"`
	Available int       `json:"available"`
	Threshold int       `json:"threshold"`
	Low       bool      `json:"low"`
	UpdatedAt time.Time `json:"updated_at"`
}

// AdjustmentRequest is the body of POST /stock/adjustments.
type AdjustmentRequest struct {
	SKU       string `json:"sku" max:"64"`
	Warehouse string `json:"warehouse" max:"64"`
	Delta     int    `json:"delta"`
	Reason    string `json:"reason" max:"500"`
}

// MoveView is one entry of the stock ledger.
type MoveView struct {
	ID            int       `json:"id"`
	SKU           string    `json:"sku"`
	Warehouse     string    `json:"warehouse"`
	Kind          string    `json:"kind"`
	DeltaOnHand   int       `json:"delta_on_hand"`
	DeltaReserved int       `json:"delta_reserved"`
	OrderID       int       `json:"order_id,omitempty"`
	Note          string    `json:"note"`
	At            time.Time `json:"at"`
}

// MovePage is one page of the ledger, newest first.
type MovePage struct {
	Items      []MoveView `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

// AdjustmentResult is what an adjustment answers: the stock after it and the move.
type AdjustmentResult struct {
	Stock StockView `json:"stock"`
	Move  MoveView  `json:"move"`
}

// MoveFilter narrows GET /stock/moves.
type MoveFilter struct {
	SKU, Warehouse, Order, Cursor string
	Limit                         int
}

var stockKey = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// mayManageStock: stock.manage anywhere (the demo warehouse role; admins hold all).
func (s *Fulfilment) mayManageStock(ctx context.Context, a service.Actor) bool {
	return s.CanAnywhere(a, "stock", "manage")
}

// mayReadStock: whoever manages stock or may read orders.
func (s *Fulfilment) mayReadStock(ctx context.Context, a service.Actor) bool {
	return s.mayManageStock(ctx, a) || s.CanAnywhere(a, "orders", "read") || s.CanAnywhere(a, "orders", "read_all")
}

func (in ProductInput) check(create bool) []service.FieldError {
	var errs []service.FieldError
	if create && !stockKey.MatchString(in.SKU) {
		errs = append(errs, service.FieldErr("/sku", "sku.pattern", nil))
	}
	if create && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		errs = append(errs, service.FieldErr("/name", "required", nil))
	}
	if in.Name != nil && len(*in.Name) > 200 {
		errs = append(errs, service.FieldErr("/name", "text.too_long", i18n.Params{"Max": 200}))
	}
	if in.Unit != nil && len(*in.Unit) > 32 {
		errs = append(errs, service.FieldErr("/unit", "text.too_long", i18n.Params{"Max": 32}))
	}
	if in.Price != nil && (*in.Price < 0 || *in.Price > 1e12 || math.IsNaN(*in.Price)) {
		errs = append(errs, service.FieldErr("/price", "amount.not_negative", nil))
	}
	if in.LowStock != nil && (*in.LowStock < 0 || *in.LowStock > 1_000_000_000) {
		errs = append(errs, service.FieldErr("/low_stock", "stock.low_mark", nil))
	}
	return errs
}

// ListProducts is for whoever may read stock, by SKU.
func (s *Fulfilment) ListProducts(ctx context.Context, a service.Actor, q string) ([]ProductView, error) {
	if !s.mayReadStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_products", nil)
	}
	pq := s.Store.Read.Product.Query()
	if q != "" {
		pq.Where(product.Or(product.SkuContainsFold(q), product.NameContains(q)))
	}
	rows, err := pq.Order(ent.Asc(product.FieldSku)).Limit(1000).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProductView, len(rows))
	for i, p := range rows {
		out[i] = productView(p)
	}
	return out, nil
}

// CreateProduct adds a product (stock.manage); a taken SKU is a 409.
func (s *Fulfilment) CreateProduct(ctx context.Context, a service.Actor, in ProductInput) (*ProductView, error) {
	if !s.mayManageStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_stock", nil)
	}
	if errs := in.check(true); len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.product_invalid", nil, errs...)
	}
	var v ProductView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		taken, err := tx.Product.Query().Where(product.Sku(in.SKU)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return service.Refuse(http.StatusConflict, "problem.product_exists", i18n.Params{"SKU": in.SKU})
		}
		c := tx.Product.Create().SetSku(in.SKU).SetName(strings.TrimSpace(*in.Name)).SetCreatedAt(j.At())
		setProduct(c.Mutation(), in)
		p, err := c.Save(ctx)
		if err != nil {
			return err
		}
		v = productView(p)
		return s.stockAudit(ctx, j, a, "product.created", map[string]any{"product": v}, map[string]any{"sku": v.SKU})
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// UpdateProduct changes the fields given (stock.manage); an unknown SKU is a 404.
func (s *Fulfilment) UpdateProduct(ctx context.Context, a service.Actor, sku string, in ProductInput) (*ProductView, error) {
	if !s.mayManageStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_stock", nil)
	}
	var errs []service.FieldError
	if in.SKU != "" && in.SKU != sku {
		errs = append(errs, service.FieldErr("/sku", "sku.immutable", i18n.Params{"SKU": sku}))
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		errs = append(errs, service.FieldErr("/name", "product.name_required", nil))
	}
	if errs = append(errs, in.check(false)...); len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.product_invalid", nil, errs...)
	}
	var v ProductView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		p, err := tx.Product.Query().Where(product.Sku(sku)).Only(ctx)
		if ent.IsNotFound(err) {
			return service.Refuse(http.StatusNotFound, "problem.not_found.product", nil)
		}
		if err != nil {
			return err
		}
		before := productView(p)
		u := tx.Product.UpdateOne(p)
		if in.Name != nil {
			u.SetName(strings.TrimSpace(*in.Name))
		}
		setProduct(u.Mutation(), in)
		if p, err = u.Save(ctx); err != nil {
			return err
		}
		v = productView(p)
		return s.stockAudit(ctx, j, a, "product.updated", map[string]any{"before": before, "product": v}, map[string]any{"sku": v.SKU})
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func setProduct(m *ent.ProductMutation, in ProductInput) {
	if in.Unit != nil {
		m.SetUnit(*in.Unit)
	}
	if in.Price != nil {
		m.SetPrice(*in.Price)
	}
	if in.LowStock != nil {
		m.SetLowStock(*in.LowStock)
	}
}

// stockAudit writes an audit entry and a stock.changed event on the warehouse board
// and the admins' topic.
func (s *Fulfilment) stockAudit(ctx context.Context, j *store.Journal, a service.Actor, action string, detail, ev map[string]any) error {
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: action, Detail: detail}); err != nil {
		return err
	}
	ev["action"] = action
	for _, topic := range []string{TopicWarehouse, "admin"} {
		if _, err := j.Event(ctx, "stock.changed", topic, ev); err != nil {
			return err
		}
	}
	return nil
}

// ListWarehouses is for whoever may read stock.
func (s *Fulfilment) ListWarehouses(ctx context.Context, a service.Actor) ([]WarehouseView, error) {
	if !s.mayReadStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_warehouses", nil)
	}
	rows, err := s.Store.Read.Warehouse.Query().Order(ent.Asc(warehouse.FieldKey)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]WarehouseView, len(rows))
	for i, w := range rows {
		out[i] = WarehouseView{Key: w.Key, Name: w.Name, CreatedAt: w.CreatedAt}
	}
	return out, nil
}

// CreateWarehouse adds a warehouse (stock.manage); a taken key is a 409.
func (s *Fulfilment) CreateWarehouse(ctx context.Context, a service.Actor, in WarehouseInput) (*WarehouseView, error) {
	if !s.mayManageStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_stock", nil)
	}
	var errs []service.FieldError
	if !stockKey.MatchString(in.Key) {
		errs = append(errs, service.FieldErr("/key", "sku.pattern", nil))
	}
	if len(in.Name) > 200 {
		errs = append(errs, service.FieldErr("/name", "text.too_long", i18n.Params{"Max": 200}))
	}
	if len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.warehouse_invalid", nil, errs...)
	}
	var v WarehouseView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		taken, err := tx.Warehouse.Query().Where(warehouse.Key(in.Key)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return service.Refuse(http.StatusConflict, "problem.warehouse_exists", i18n.Params{"Warehouse": in.Key})
		}
		w, err := tx.Warehouse.Create().SetKey(in.Key).SetName(strings.TrimSpace(in.Name)).SetCreatedAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		v = WarehouseView{Key: w.Key, Name: w.Name, CreatedAt: w.CreatedAt}
		return s.stockAudit(ctx, j, a, "warehouse.created", map[string]any{"warehouse": v}, map[string]any{"warehouse": v.Key})
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// thresholds reads the low-stock threshold and name of every product.
func thresholds(ctx context.Context, c *ent.Client, skus ...string) (map[string]*ent.Product, error) {
	q := c.Product.Query()
	if len(skus) > 0 {
		q.Where(product.SkuIn(skus...))
	}
	rows, err := q.All(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]*ent.Product{}
	for _, p := range rows {
		out[p.Sku] = p
	}
	return out, nil
}

func stockView(r *ent.Stock, p *ent.Product) StockView {
	v := StockView{SKU: r.Sku, Warehouse: r.Warehouse, OnHand: r.OnHand, Reserved: r.Reserved, Available: r.OnHand - r.Reserved,
		Threshold: inventory.DefaultLowStock, UpdatedAt: r.UpdatedAt}
	if p != nil {
		v.Name, v.Threshold = p.Name, p.LowStock
	}
	v.Low = v.Available < v.Threshold
	return v
}

// ListStock lists stock rows by SKU and warehouse; low keeps only those below their
// product's threshold.
func (s *Fulfilment) ListStock(ctx context.Context, a service.Actor, sku, wh string, low bool) ([]StockView, error) {
	if !s.mayReadStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_stock", nil)
	}
	q := s.Store.Read.Stock.Query()
	if sku != "" {
		q.Where(stock.Sku(sku))
	}
	if wh != "" {
		q.Where(stock.Warehouse(wh))
	}
	rows, err := q.Order(ent.Asc(stock.FieldSku), ent.Asc(stock.FieldWarehouse)).Limit(5000).All(ctx)
	if err != nil {
		return nil, err
	}
	ps, err := thresholds(ctx, s.Store.Read)
	if err != nil {
		return nil, err
	}
	out := []StockView{}
	for _, r := range rows {
		v := stockView(r, ps[r.Sku])
		if low && !v.Low {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// Adjust changes the quantity on hand of a product in a warehouse by delta, with a
// reason: a ledger movement of kind adjust, an audit entry and stock.changed (and
// stock.low with notifications when it crosses the threshold) in one transaction. A
// delta that would leave less on hand than is reserved (or below zero) is a 422 at
// /delta that writes nothing.
func (s *Fulfilment) Adjust(ctx context.Context, a service.Actor, in AdjustmentRequest) (*AdjustmentResult, error) {
	if !s.mayManageStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_stock", nil)
	}
	var errs []service.FieldError
	if in.SKU == "" {
		errs = append(errs, service.FieldErr("/sku", "required", nil))
	}
	if in.Warehouse == "" {
		errs = append(errs, service.FieldErr("/warehouse", "required", nil))
	}
	if in.Delta == 0 {
		errs = append(errs, service.FieldErr("/delta", "stock.delta_zero", nil))
	} else if in.Delta > 1_000_000_000 || in.Delta < -1_000_000_000 {
		errs = append(errs, service.FieldErr("/delta", "stock.delta_too_large", nil))
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		errs = append(errs, service.FieldErr("/reason", "stock.reason_required", nil))
	} else if len(in.Reason) > 500 {
		errs = append(errs, service.FieldErr("/reason", "text.too_long", i18n.Params{"Max": 500}))
	}
	if len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.adjustment_invalid", nil, errs...)
	}
	var res AdjustmentResult
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		c := tx.Client()
		p, err := c.Product.Query().Where(product.Sku(in.SKU)).Only(ctx)
		if ent.IsNotFound(err) {
			return service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_product", nil, service.FieldErr("/sku", "product.unknown", i18n.Params{"SKU": in.SKU}))
		}
		if err != nil {
			return err
		}
		ok, err := c.Warehouse.Query().Where(warehouse.Key(in.Warehouse)).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_warehouse", nil, service.FieldErr("/warehouse", "warehouse.unknown", i18n.Params{"Warehouse": in.Warehouse}))
		}
		if in.Delta < 0 {
			// look first so the answer can say how far it may go; the conditional update
			// below decides in the end
			l, err := inventory.Get(ctx, c, in.SKU, in.Warehouse)
			if err != nil {
				return err
			}
			if l.Available()+in.Delta < 0 {
				return service.Refuse(http.StatusUnprocessableEntity, "problem.not_enough_stock", nil, service.FieldErr("/delta", "stock.not_enough",
					i18n.Params{"SKU": in.SKU, "Warehouse": in.Warehouse, "OnHand": l.OnHand, "Reserved": l.Reserved, "Max": max(l.Available(), 0)}))
			}
		}
		m, err := inventory.Adjust(ctx, c, in.SKU, in.Warehouse, in.Delta, in.Reason)
		if err != nil {
			if errors.Is(err, inventory.ErrShortage) {
				return service.Refuse(http.StatusUnprocessableEntity, "problem.not_enough_stock", nil, service.FieldErr("/delta", "stock.changed_meanwhile", nil))
			}
			return err
		}
		row, err := c.Stock.Query().Where(stock.Sku(in.SKU), stock.Warehouse(in.Warehouse)).Only(ctx)
		if err != nil {
			return err
		}
		mv, err := c.StockMove.Query().Where(stockmove.Sku(in.SKU), stockmove.Warehouse(in.Warehouse)).
			Order(ent.Desc(stockmove.FieldID)).First(ctx)
		if err != nil {
			return err
		}
		res = AdjustmentResult{Stock: stockView(row, p), Move: moveView(mv)}
		if err := s.stockAudit(ctx, j, a, "stock.adjusted",
			map[string]any{"sku": in.SKU, "warehouse": in.Warehouse, "delta": in.Delta, "reason": in.Reason,
				"on_hand": res.Stock.OnHand, "reserved": res.Stock.Reserved},
			map[string]any{"sku": in.SKU, "warehouse": in.Warehouse, "delta": in.Delta, "on_hand": res.Stock.OnHand,
				"reserved": res.Stock.Reserved, "available": res.Stock.Available}); err != nil {
			return err
		}
		return s.stockLow(ctx, tx.Client(), j, m.Low, nil)
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

func moveView(m *ent.StockMove) MoveView {
	v := MoveView{ID: m.ID, SKU: m.Sku, Warehouse: m.Warehouse, Kind: m.Kind, DeltaOnHand: m.DeltaOnHand,
		DeltaReserved: m.DeltaReserved, Note: m.Note, At: m.At}
	if m.OrderID != nil {
		v.OrderID = *m.OrderID
	}
	return v
}

// ListMoves is the stock ledger, newest first, with a cursor.
func (s *Fulfilment) ListMoves(ctx context.Context, a service.Actor, f MoveFilter) (*MovePage, error) {
	if !s.mayReadStock(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_stock", nil)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.Store.Read.StockMove.Query()
	if f.SKU != "" {
		q.Where(stockmove.Sku(f.SKU))
	}
	if f.Warehouse != "" {
		q.Where(stockmove.Warehouse(f.Warehouse))
	}
	if f.Order != "" {
		id, err := strconv.Atoi(f.Order)
		if err != nil || id <= 0 {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.query_invalid", nil, service.FieldErr("/order", "order.id_positive", nil))
		}
		q.Where(stockmove.OrderID(id))
	}
	if c, err := service.ParseCursor(f.Cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(stockmove.IDLT(c))
	}
	rows, err := q.Order(ent.Desc(stockmove.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &MovePage{Items: make([]MoveView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = strconv.Itoa(rows[len(rows)-1].ID)
	}
	for _, m := range rows {
		page.Items = append(page.Items, moveView(m))
	}
	return page, nil
}

// stockManagers are the active users who hold stock.manage through a role membership
// (admins hold everything but are not stock desks: they are not told).
func (s *Fulfilment) stockManagers(ctx context.Context, c *ent.Client) ([]string, error) {
	ms, err := c.Membership.Query().Select(membership.FieldUserID, membership.FieldDepartment).All(ctx)
	if err != nil {
		return nil, err
	}
	ids := map[int][]string{}
	for _, m := range ms {
		ids[m.UserID] = append(ids[m.UserID], m.Department)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]int, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	us, err := c.User.Query().Where(user.IDIn(keys...), user.Disabled(false), user.IsAdmin(false)).All(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range us {
		for _, d := range append(ids[u.ID], "*") {
			if s.Can(service.Actor{Username: u.Username}, d, "stock", "manage") {
				out = append(out, u.Username)
				break
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// stockLow announces a low-stock crossing: the stock.low event on the warehouse board
// and one notification to each holder of stock.manage. The inventory package reports
// a crossing only on the movement that takes the available quantity from at or above
// the threshold to below it, so this runs once per crossing.
func (s *Fulfilment) stockLow(ctx context.Context, c *ent.Client, j *store.Journal, l *goods.Low, o *ent.Order) error {
	if l == nil {
		return nil
	}
	ev := map[string]any{"sku": l.SKU, "warehouse": l.Warehouse, "available": l.Available, "threshold": l.Threshold}
	orderID := 0
	if o != nil {
		ev["order_id"], ev["number"], orderID = o.ID, o.Number, o.ID
	}
	if _, err := j.Event(ctx, "stock.low", TopicWarehouse, ev); err != nil {
		return err
	}
	if s == nil || s.Authz == nil {
		return nil
	}
	to, err := s.stockManagers(ctx, c)
	if err != nil {
		return err
	}
	title := i18n.Params{"SKU": l.SKU, "Warehouse": l.Warehouse, "Available": l.Available, "Threshold": l.Threshold}
	for _, u := range to {
		if _, err := j.Notify(ctx, store.Notification{Username: u, Type: "stock.low", Key: "notice.stock_low", Params: title, OrderID: orderID, Data: ev}); err != nil {
			return err
		}
	}
	return nil
}

// armHold applies a HoldFor effect (d > 0) of the plugin at node of o, in the
// transaction of its run: the timer that ends the order's holds after d; a new run
// replaces the earlier timer.
func armHold(ctx context.Context, tx *ent.Tx, o *ent.Order, node string, d time.Duration, now time.Time) error {
	if err := tx.Timer.Update().Where(timer.OrderID(o.ID), timer.Kind(service.TimerHoldExpiry), timer.Status(service.TimerPending)).
		SetStatus(service.TimerCancelled).SetOutcome("checked again").Exec(ctx); err != nil {
		return err
	}
	held, err := inventory.HeldFor(ctx, tx.Client(), o.ID)
	if err != nil || len(held) == 0 {
		return err
	}
	return tx.Timer.Create().SetOrderID(o.ID).SetTaskID(0).SetNode(node).SetKind(service.TimerHoldExpiry).
		SetDueAt(now.Add(d).UTC()).SetCreatedAt(now).Exec(ctx)
}

// holdExpired fires a hold_expiry timer: when the order is still in review and still
// holds stock, the holds are released (ledger release with a note) and the order stops
// with a stock exception at the inventory node, its open tasks closed, so a person
// decides: retry reserves again, cancel cancels. Otherwise (shipped, released, the
// order ended or is held by an exception) nothing happens. It returns the outcome.
func (s *Fulfilment) holdExpired(ctx context.Context, tx *ent.Tx, j *store.Journal, tm *ent.Timer) (string, error) {
	o, err := tx.Order.Query().Where(order.ID(tm.OrderID)).Only(ctx)
	if ent.IsNotFound(err) {
		return "skipped: order gone", nil
	}
	if err != nil {
		return "", err
	}
	if o.Status != engine.StatusInReview {
		return "skipped: order " + o.Status, nil
	}
	c := tx.Client()
	held, err := inventory.HeldFor(ctx, c, o.ID)
	if err != nil {
		return "", err
	}
	if len(held) == 0 {
		return "skipped: nothing held", nil
	}
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return "", err
	}
	if f == nil || f.Nodes[tm.Node] == nil {
		return "skipped: the node is gone", nil
	}
	age := tm.DueAt.Sub(tm.CreatedAt).Round(time.Second)
	moves, err := inventory.Release(ctx, c, o.ID, fmt.Sprintf("hold expired after %s (timer %d)", age, tm.ID))
	if err != nil {
		return "", err
	}
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "stock.hold_expired", OrderID: o.ID, Node: tm.Node,
		Detail: map[string]any{"timer": tm.ID, "released": moves, "held_for": age.String()}}); err != nil {
		return "", err
	}
	for _, m := range moves {
		if _, err := j.Event(ctx, "stock.changed", TopicWarehouse, map[string]any{"action": "stock.released", "sku": m.SKU,
			"warehouse": m.Warehouse, "order_id": o.ID, "number": o.Number}); err != nil {
			return "", err
		}
	}
	msg := fmt.Sprintf("the stock held for this order was released after %s without the order moving on; retry to reserve again or cancel", age)
	if err := s.RaiseException(ctx, tx, j, fmt.Sprintf("timer:%d", tm.ID), o, tm.Node, "stock", msg,
		map[string]any{"released": moves, "timer": tm.ID}); err != nil {
		return "", err
	}
	return fmt.Sprintf("released %d holds; stock exception raised", len(moves)), nil
}
