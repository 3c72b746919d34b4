package service

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/ent/shipment"
	"sluice/backend/ent/task"
	"sluice/backend/ent/warehouse"
	"sluice/backend/goods"
	"sluice/backend/inventory"
	"sluice/backend/pluginhost"
	"sluice/backend/store"
	"sluice/plugins"
)

// ShipmentLine is a quantity of one SKU in a shipment.
type ShipmentLine struct {
	SKU string `json:"sku" max:"64"`
	Qty int    `json:"qty"`
}

// ShipmentRequest is the body of POST /orders/{id}/shipments.
type ShipmentRequest struct {
	Carrier  string `json:"carrier" max:"64"`
	Tracking string `json:"tracking" max:"200"`
	// Warehouse ships from this warehouse; default: where the order's stock is held.
	Warehouse string         `json:"warehouse,omitempty" max:"64"`
	Lines     []ShipmentLine `json:"lines"`
}

// ShipmentView is a shipment as the API shows it.
type ShipmentView struct {
	ID          int               `json:"id"`
	Number      string            `json:"number"`
	Carrier     string            `json:"carrier"`
	CarrierName map[string]string `json:"carrier_name,omitempty"`
	Tracking    string            `json:"tracking"`
	TrackingURL string            `json:"tracking_url"`
	Warehouse   string            `json:"warehouse"`
	Lines       []ShipmentLine    `json:"lines"`
	ShippedBy   string            `json:"shipped_by"`
	CreatedAt   time.Time         `json:"created_at"`
}

// ShipmentResult answers POST /orders/{id}/shipments.
type ShipmentResult struct {
	Shipment ShipmentView `json:"shipment"`
	// Complete is set when this shipment shipped the last line: the shipping task was
	// completed and the order moved on.
	Complete bool      `json:"complete"`
	Order    OrderView `json:"order"`
}

// LineView is one ordered line with what has shipped of it.
type LineView struct {
	SKU       string `json:"sku"`
	Name      string `json:"name,omitempty"`
	Ordered   int    `json:"ordered"`
	Shipped   int    `json:"shipped"`
	Remaining int    `json:"remaining"`
}

// CaseView is an order linked to this one: an after-sales case about it, or a child
// one of its subflow nodes started (Node names that node).
type CaseView struct {
	ID        int       `json:"id"`
	Number    string    `json:"number"`
	Flow      string    `json:"flow"`
	Status    string    `json:"status"`
	Source    string    `json:"source"`
	Node      string    `json:"node,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Audit actions and event types of shipping and after-sales.
const (
	ActionShipped          = "shipped"
	ActionShippingComplete = "shipping.completed"
	ActionCaseOpened       = "aftersales.opened"
	ActionCaseEnded        = "aftersales.ended"
)

// trackingPattern: carriers' numbers are letters, digits and dashes; anything else
// would only end up in a URL or a printed document.
var trackingPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{3,39}$`)

// MaxShipmentLines caps the lines of one shipment (an order has at most 200 items).
const MaxShipmentLines = 200

// MaxQty caps a shipment line's quantity, as stock adjustments are capped: the lines of
// one SKU are summed, and a sum of unbounded ints could wrap around past the checks.
const MaxQty = 1_000_000_000

// Carriers lists the carriers a shipment can name.
func (s *Service) Carriers() []plugins.Carrier { return plugins.Carriers() }

// checkShipment validates what can be checked without the database.
func checkShipment(req ShipmentRequest) []FieldError {
	var errs []FieldError
	if req.Carrier == "" {
		errs = append(errs, FieldError{"/carrier", "required: the key of a carrier (GET /api/v1/carriers)"})
	} else if _, ok := plugins.GetCarrier(req.Carrier); !ok {
		keys := []string{}
		for _, c := range plugins.Carriers() {
			keys = append(keys, c.Key)
		}
		errs = append(errs, FieldError{"/carrier", fmt.Sprintf("unknown carrier %q; one of %s", req.Carrier, strings.Join(keys, ", "))})
	}
	if !trackingPattern.MatchString(req.Tracking) {
		errs = append(errs, FieldError{"/tracking", "a tracking number of 4 to 40 letters, digits and dashes"})
	}
	switch {
	case len(req.Lines) == 0:
		errs = append(errs, FieldError{"/lines", "list at least one line {sku, qty}"})
	case len(req.Lines) > MaxShipmentLines:
		errs = append(errs, FieldError{"/lines", fmt.Sprintf("at most %d lines", MaxShipmentLines)})
	}
	for i, l := range req.Lines {
		at := "/lines/" + strconv.Itoa(i)
		if l.SKU == "" {
			errs = append(errs, FieldError{at + "/sku", "required"})
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			errs = append(errs, FieldError{at + "/qty", fmt.Sprintf("a positive whole quantity, at most %d", MaxQty)})
		}
	}
	return errs
}

// Ship records one shipment of an order at its shipping step, in one transaction: the
// stock leaves the warehouse (out of the order's reservations first), the shipment row,
// the audit entry and the live events. Who may post it is who may act on the step's
// open task. Lines beyond what is still unshipped are refused (422) and nothing is
// written. The shipment that ships the last line completes the shipping task on the
// shipper's behalf, and the order moves on.
func (s *Service) Ship(ctx context.Context, a Actor, orderID int, req ShipmentRequest, id *Idem) (*ShipmentResult, *Replay, error) {
	if errs := checkShipment(req); len(errs) > 0 {
		return nil, nil, invalid("the shipment is not valid", errs...)
	}
	carrier, _ := plugins.GetCarrier(req.Carrier)
	var res *ShipmentResult
	var replay *Replay
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		var err error
		if replay, err = checkIdem(ctx, tx, a, id); err != nil || replay != nil {
			return err
		}
		o, err := tx.Order.Get(ctx, orderID)
		if ent.IsNotFound(err) {
			return notFound("order")
		}
		if err != nil {
			return err
		}
		if ok, err := s.mayRead(ctx, a, o); err != nil || !ok {
			if err != nil {
				return err
			}
			return forbidden("you may not see this order")
		}
		f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
		if err != nil {
			return err
		}
		if f == nil {
			return fmt.Errorf("order %d is pinned to flow %s v%d, which is missing", o.ID, o.FlowKey, o.FlowVersion)
		}
		t, err := s.shippingTask(ctx, tx, a, f, o)
		if err != nil {
			return err
		}
		c := tx.Client()
		ordered := goods.Ordered(o.Data)
		shipped, err := inventory.Moved(ctx, c, inventory.KindShip, o.ID)
		if err != nil {
			return err
		}
		var errs []FieldError
		asked := map[string]int{}
		for i, l := range req.Lines {
			at := "/lines/" + strconv.Itoa(i)
			if ordered[l.SKU] == 0 {
				errs = append(errs, FieldError{at + "/sku", fmt.Sprintf("the order has no %s; it has %s", l.SKU, strings.Join(slices.Sorted(maps.Keys(ordered)), ", "))})
				continue
			}
			asked[l.SKU] += l.Qty
			if left := ordered[l.SKU] - shipped[l.SKU]; asked[l.SKU] > left {
				errs = append(errs, FieldError{at + "/qty", fmt.Sprintf("only %d of %s is still to ship (ordered %d, shipped %d)", left, l.SKU, ordered[l.SKU], shipped[l.SKU])})
			}
		}
		if len(errs) > 0 {
			return invalid("the shipment exceeds what is still to ship", errs...)
		}
		wh, err := shipFrom(ctx, c, o.ID, req.Warehouse)
		if err != nil {
			return err
		}
		n, err := tx.Shipment.Query().Where(shipment.OrderID(o.ID)).Count(ctx)
		if err != nil {
			return err
		}
		number := fmt.Sprintf("SH-%s-%d", o.Number, n+1)
		rows := make([]map[string]any, len(req.Lines))
		for i, l := range req.Lines {
			m, err := inventory.ShipQty(ctx, c, o.ID, l.SKU, wh, l.Qty, number)
			if errors.Is(err, inventory.ErrShortage) {
				return invalid("not enough stock to ship", FieldError{"/lines/" + strconv.Itoa(i) + "/qty",
					fmt.Sprintf("warehouse %s cannot ship %d of %s (neither held for this order nor available)", wh, l.Qty, l.SKU)})
			}
			if err != nil {
				return err
			}
			if err := s.stockLow(ctx, c, j, m.Low, o); err != nil {
				return err
			}
			rows[i] = map[string]any{"sku": l.SKU, "qty": l.Qty}
		}
		url := carrier.Link(req.Tracking)
		sh, err := tx.Shipment.Create().SetOrderID(o.ID).SetNumber(number).SetCarrier(carrier.Key).SetTracking(req.Tracking).
			SetTrackingURL(url).SetWarehouse(wh).SetLines(rows).SetShippedBy(a.Username).SetCreatedAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		remaining := map[string]int{}
		complete := true
		for sku, q := range ordered {
			if left := q - shipped[sku] - asked[sku]; left > 0 {
				remaining[sku] = left
				complete = false
			}
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActionShipped, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
			Detail: map[string]any{"shipment": number, "carrier": carrier.Key, "tracking": req.Tracking, "tracking_url": url,
				"warehouse": wh, "lines": rows, "remaining": remaining}}); err != nil {
			return err
		}
		data := map[string]any{"order_id": o.ID, "number": o.Number, "shipment": number, "carrier": carrier.Key,
			"tracking": req.Tracking, "tracking_url": url, "lines": rows, "complete": complete, "actor": a.Username}
		for _, topic := range []string{fmt.Sprintf("order:%d", o.ID), "department:" + o.Department} {
			if _, err := j.Event(ctx, "order.shipped", topic, data); err != nil {
				return err
			}
		}
		var ov *OrderView
		if complete {
			if ov, err = s.completeShipping(ctx, tx, j, a, f, o, t, number); err != nil {
				return err
			}
		} else if ov, err = s.orderDetail(ctx, c, a, o); err != nil {
			return err
		}
		if err := s.addShipping(ctx, c, o, ov); err != nil {
			return err
		}
		res = &ShipmentResult{Shipment: shipmentView(sh), Complete: complete, Order: *ov}
		return rememberIdem(ctx, tx, a, id, http.StatusCreated, res)
	})
	if err != nil {
		return nil, nil, err
	}
	return res, replay, nil
}

// shippingTask finds the open task of the order's shipping step that the actor may act
// on: 409 when the order is at no shipping step, 403 when it is but not theirs — the
// same checks as approving the task, so posting a shipment needs no permission of its own.
func (s *Service) shippingTask(ctx context.Context, tx *ent.Tx, a Actor, f *engine.Flow, o *ent.Order) (*ent.Task, error) {
	var nodes []string
	for id, n := range f.Nodes {
		if n.Shipping {
			nodes = append(nodes, id)
		}
	}
	if len(nodes) == 0 {
		return nil, conflict("flow %s has no shipping step; shipments cannot be posted for its orders", f.Key)
	}
	ts, err := tx.Task.Query().Where(task.OrderID(o.ID), task.NodeIDIn(nodes...), task.Status("open"), task.KindNEQ("cc")).
		Order(ent.Asc(task.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 || o.Status != engine.StatusInReview {
		return nil, conflict("the order is not at its shipping step (status %s, at %v)", o.Status, o.CurrentNodes)
	}
	for _, t := range ts {
		if !s.mayAct(a, f, t, engine.ActApprove) {
			continue
		}
		if a.Username == o.Submitter && !f.Nodes[t.NodeID].AllowSelf {
			return nil, forbidden("you submitted this order; someone else ships it")
		}
		return t, nil
	}
	return nil, forbidden("only the assignees of the shipping step may post shipments")
}

// shipFrom is the warehouse a shipment leaves from: the one asked for (it must exist),
// else the one holding the order's stock, else the default.
func shipFrom(ctx context.Context, c *ent.Client, orderID int, asked string) (string, error) {
	if asked != "" {
		ok, err := c.Warehouse.Query().Where(warehouse.Key(asked)).Exist(ctx)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", invalid("unknown warehouse", FieldError{"/warehouse", fmt.Sprintf("no warehouse %q", asked)})
		}
		return asked, nil
	}
	held, err := inventory.HeldFor(ctx, c, orderID)
	if err != nil {
		return "", err
	}
	if len(held) > 0 {
		return held[0].Warehouse, nil
	}
	return inventory.DefaultWarehouse, nil
}

// completeShipping approves the shipping task once every line has shipped. The engine
// decides for an assignee, so the system acts on the shipper's behalf (they may act on
// the task: that was checked); the "shipping.completed" entry by system says why.
func (s *Service) completeShipping(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, f *engine.Flow, o *ent.Order, t *ent.Task, number string) (*OrderView, error) {
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: ActionShippingComplete, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
		Detail: map[string]any{"why": "every line of the order is shipped", "shipment": number, "on_behalf_of": a.Username}}); err != nil {
		return nil, err
	}
	req := ActionRequest{Action: engine.ActApprove, Comment: "every line is shipped (" + number + ")",
		Checklist: slices.Repeat([]bool{true}, len(f.Nodes[t.NodeID].Checklist))}
	r, err := s.decide(ctx, tx, j, a, f, o, t, req)
	if err != nil {
		return nil, err
	}
	return &r.Order, nil
}

func shipmentView(sh *ent.Shipment) ShipmentView {
	v := ShipmentView{ID: sh.ID, Number: sh.Number, Carrier: sh.Carrier, Tracking: sh.Tracking, TrackingURL: sh.TrackingURL,
		Warehouse: sh.Warehouse, ShippedBy: sh.ShippedBy, CreatedAt: sh.CreatedAt, Lines: make([]ShipmentLine, 0, len(sh.Lines))}
	if c, ok := plugins.GetCarrier(sh.Carrier); ok {
		v.CarrierName = c.Name
	}
	for _, l := range sh.Lines {
		sku, _ := l["sku"].(string)
		v.Lines = append(v.Lines, ShipmentLine{SKU: sku, Qty: intOf(l["qty"])})
	}
	return v
}

func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	}
	return 0
}

// Shipments lists an order's shipments, oldest first.
func (s *Service) Shipments(ctx context.Context, a Actor, orderID int) ([]ShipmentView, error) {
	if _, err := s.readableOrder(ctx, a, orderID); err != nil {
		return nil, err
	}
	return shipmentsOf(ctx, s.Store.Read, orderID)
}

func shipmentsOf(ctx context.Context, c *ent.Client, orderID int) ([]ShipmentView, error) {
	rows, err := c.Shipment.Query().Where(shipment.OrderID(orderID)).Order(ent.Asc(shipment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ShipmentView, len(rows))
	for i, r := range rows {
		out[i] = shipmentView(r)
	}
	return out, nil
}

// addShipping adds to a single-order view what shipped of each line (from the stock
// ledger, which every way of shipping writes), the shipments and the after-sales cases.
func (s *Service) addShipping(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error {
	items, _ := o.Data["items"].([]any)
	if len(items) > 0 {
		shipped, err := inventory.Moved(ctx, c, inventory.KindShip, o.ID)
		if err != nil {
			return err
		}
		// an SKU on several lines: what shipped fills them in order
		for _, it := range items {
			m, _ := it.(map[string]any)
			l := LineView{}
			l.SKU, _ = m["sku"].(string)
			l.Name, _ = m["name"].(string)
			l.Ordered = goods.Ordered(map[string]any{"items": []any{it}})[l.SKU]
			l.Shipped = min(l.Ordered, shipped[l.SKU])
			shipped[l.SKU] -= l.Shipped
			l.Remaining = l.Ordered - l.Shipped
			v.Lines = append(v.Lines, l)
		}
		if v.Shipments, err = shipmentsOf(ctx, c, o.ID); err != nil {
			return err
		}
	}
	kids, err := c.Order.Query().Where(order.ParentID(o.ID)).Order(ent.Asc(order.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	for _, k := range kids {
		cv := CaseView{ID: k.ID, Number: k.Number, Flow: k.FlowKey, Status: k.Status, Source: k.Source, CreatedAt: k.CreatedAt}
		if k.Source == SourceSubflow && k.ExternalRef != nil {
			if parts := strings.Split(*k.ExternalRef, ":"); len(parts) == 3 {
				cv.Node = parts[1]
			}
		}
		v.Children = append(v.Children, cv)
	}
	return nil
}

// caseOpened notes on the parent's timeline (and live topic) that an after-sales case
// about it was opened; in the submit's transaction.
func caseOpened(ctx context.Context, j *store.Journal, a Actor, o *ent.Order) error {
	if o.ParentID == nil {
		return nil
	}
	d := map[string]any{"case": o.ID, "number": o.Number, "flow": o.FlowKey}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActionCaseOpened, OrderID: *o.ParentID, Detail: d}); err != nil {
		return err
	}
	_, err := j.Event(ctx, ActionCaseOpened, fmt.Sprintf("order:%d", *o.ParentID), d)
	return err
}

// caseEnded notes on the parent's timeline that an after-sales case left review (any
// status but in review and exception: flows may define their own end statuses).
func (w *writer) caseEnded() error {
	o := w.o
	if o.ParentID == nil || o.Source == SourceSubflow || o.Status == engine.StatusInReview || o.Status == engine.StatusException {
		return nil // a sub-flow's child resumes its parent instead (hold.go)
	}
	d := map[string]any{"case": o.ID, "number": o.Number, "flow": o.FlowKey, "status": o.Status}
	if err := w.j.Audit(w.ctx, store.Audit{Actor: "system", Action: ActionCaseEnded, OrderID: *o.ParentID, Detail: d}); err != nil {
		return err
	}
	_, err := w.j.Event(w.ctx, ActionCaseEnded, fmt.Sprintf("order:%d", *o.ParentID), d)
	return err
}

// failure turns a plugin's *plugins.Failure (the order cannot go on without a person,
// e.g. a return of more than shipped) into a 422 for the one who acted: the action
// rolls back, so nothing of it is written and the order stays where it was.
func failure(err error) (*Error, bool) {
	var pf *plugins.Failure
	if err == nil || !errors.As(err, &pf) {
		return nil, false
	}
	return invalid(pf.Message, FieldError{"", fmt.Sprintf("%s (%s)", pf.Message, pf.Reason)}), true
}

// precheck asks the flow's plugins that can tell (plugins.Checker) whether the order
// would fail at their node, so a return of more than was shipped is refused when it is
// submitted rather than after its inspection. It runs in the submit's transaction.
func (s *Service) precheck(ctx context.Context, c *ent.Client, f *engine.Flow, dept string, a Actor, parent int, data map[string]any) error {
	var errs []FieldError
	for _, n := range f.Doc.Nodes {
		if n.Type != engine.TypeTask {
			continue
		}
		p, ok := plugins.Get(n.Plugin)
		if !ok {
			continue
		}
		ch, ok := p.(plugins.Checker)
		if !ok {
			continue
		}
		cfg, err := pluginhost.Config(p, &n)
		if err != nil {
			continue // the node raises it when the order gets there
		}
		for _, pr := range ch.Check(ctx, plugins.Input{Node: n.ID, Config: cfg, DryRun: true, Ports: pluginhost.Ports(c, true), Order: plugins.Order{
			Flow: f.Key, Department: dept, Submitter: a.Username, Data: data, Parent: parent}}) {
			errs = append(errs, FieldError{pr.Pointer, pr.Message})
		}
	}
	if len(errs) > 0 {
		return invalid("the order cannot go through its flow", errs...)
	}
	return nil
}
