package fulfilment

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

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/shipment"
	"sluice/backend/ent/task"
	"sluice/backend/ent/warehouse"
	"sluice/backend/goods"
	"sluice/backend/i18n"
	"sluice/backend/inventory"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/plugins"
)

// ShipmentRequest is the body of POST /orders/{id}/shipments.
type ShipmentRequest struct {
	Carrier  string `json:"carrier" max:"64"`
	Tracking string `json:"tracking" max:"200"`
	// Warehouse ships from this warehouse; default: where the order's stock is held.
	Warehouse string                 `json:"warehouse,omitempty" max:"64"`
	Lines     []service.ShipmentLine `json:"lines"`
}

// ShipmentResult answers POST /orders/{id}/shipments.
type ShipmentResult struct {
	Shipment service.ShipmentView `json:"shipment"`
	// Complete is set when this shipment shipped the last line: the shipping task was
	// completed and the order moved on.
	Complete bool              `json:"complete"`
	Order    service.OrderView `json:"order"`
}

// Audit actions and event types of shipping.
const (
	ActionShipped          = "shipped"
	ActionShippingComplete = "shipping.completed"
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
func (s *Fulfilment) Carriers() []plugins.Carrier { return plugins.Carriers() }

// checkShipment validates what can be checked without the database.
func checkShipment(req ShipmentRequest) []service.FieldError {
	var errs []service.FieldError
	if req.Carrier == "" {
		errs = append(errs, service.FieldErr("/carrier", "carrier.required", nil))
	} else if _, ok := plugins.GetCarrier(req.Carrier); !ok {
		keys := []string{}
		for _, c := range plugins.Carriers() {
			keys = append(keys, c.Key)
		}
		errs = append(errs, service.FieldErr("/carrier", "carrier.unknown", i18n.Params{"Carrier": req.Carrier, "Carriers": strings.Join(keys, ", ")}))
	}
	if !trackingPattern.MatchString(req.Tracking) {
		errs = append(errs, service.FieldErr("/tracking", "tracking.pattern", nil))
	}
	switch {
	case len(req.Lines) == 0:
		errs = append(errs, service.FieldErr("/lines", "shipment.lines_required", nil))
	case len(req.Lines) > MaxShipmentLines:
		errs = append(errs, service.FieldErr("/lines", "shipment.too_many_lines", i18n.Params{"Max": MaxShipmentLines}))
	}
	for i, l := range req.Lines {
		at := "/lines/" + strconv.Itoa(i)
		if l.SKU == "" {
			errs = append(errs, service.FieldErr(at+"/sku", "required", nil))
		}
		if l.Qty < 1 || l.Qty > MaxQty {
			errs = append(errs, service.FieldErr(at+"/qty", "shipment.qty_range", i18n.Params{"Max": MaxQty}))
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
func (s *Fulfilment) Ship(ctx context.Context, a service.Actor, orderID int, req ShipmentRequest, id *service.Idem) (*ShipmentResult, *service.Replay, error) {
	if errs := checkShipment(req); len(errs) > 0 {
		return nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.shipment_invalid", nil, errs...)
	}
	carrier, _ := plugins.GetCarrier(req.Carrier)
	var res *ShipmentResult
	var replay *service.Replay
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		var err error
		if replay, err = service.CheckIdem(ctx, tx, a, id); err != nil || replay != nil {
			return err
		}
		// the order's lock first: shipments of one order are numbered and checked
		// against what is still to ship one after another
		o, err := s.LockForWrite(ctx, tx, orderID)
		if ent.IsNotFound(err) {
			return service.Refuse(http.StatusNotFound, "problem.not_found.order", nil)
		}
		if err != nil {
			return err
		}
		if ok, err := s.MayRead(ctx, a, o); err != nil || !ok {
			if err != nil {
				return err
			}
			return service.Refuse(http.StatusForbidden, "problem.forbidden.see_order", nil)
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
		var errs []service.FieldError
		asked := map[string]int{}
		for i, l := range req.Lines {
			at := "/lines/" + strconv.Itoa(i)
			if ordered[l.SKU] == 0 {
				errs = append(errs, service.FieldErr(at+"/sku", "shipment.sku_not_ordered", i18n.Params{"SKU": l.SKU, "SKUs": strings.Join(slices.Sorted(maps.Keys(ordered)), ", ")}))
				continue
			}
			asked[l.SKU] += l.Qty
			if left := ordered[l.SKU] - shipped[l.SKU]; asked[l.SKU] > left {
				errs = append(errs, service.FieldErr(at+"/qty", "shipment.qty_left", i18n.Params{"Left": left, "SKU": l.SKU, "Ordered": ordered[l.SKU], "Shipped": shipped[l.SKU]}))
			}
		}
		if len(errs) > 0 {
			return service.Refuse(http.StatusUnprocessableEntity, "problem.shipment_exceeds_order", nil, errs...)
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
				return service.Refuse(http.StatusUnprocessableEntity, "problem.not_enough_stock_to_ship", nil,
					service.FieldErr("/lines/"+strconv.Itoa(i)+"/qty", "shipment.not_enough_stock", i18n.Params{"Warehouse": wh, "Qty": l.Qty, "SKU": l.SKU}))
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
		var ov *service.OrderView
		if complete {
			if ov, err = s.completeShipping(ctx, tx, j, a, f, o, t, number); err != nil {
				return err
			}
		} else if ov, err = s.OrderDetail(ctx, c, a, o); err != nil {
			return err
		}
		if err := addShipping(ctx, c, o, ov); err != nil {
			return err
		}
		if err := service.AddCases(ctx, c, o, ov); err != nil {
			return err
		}
		res = &ShipmentResult{Shipment: shipmentView(sh), Complete: complete, Order: *ov}
		return service.RememberIdem(ctx, tx, a, id, http.StatusCreated, res)
	})
	if err != nil {
		return nil, nil, err
	}
	return res, replay, nil
}

// shippingTask finds the open task of the order's shipping step that the actor may act
// on: 409 when the order is at no shipping step, 403 when it is but not theirs — the
// same checks as approving the task, so posting a shipment needs no permission of its own.
func (s *Fulfilment) shippingTask(ctx context.Context, tx *ent.Tx, a service.Actor, f *engine.Flow, o *ent.Order) (*ent.Task, error) {
	var nodes []string
	for id, n := range f.Nodes {
		if n.Shipping {
			nodes = append(nodes, id)
		}
	}
	if len(nodes) == 0 {
		return nil, service.Refuse(http.StatusConflict, "problem.flow_no_shipping", i18n.Params{"Flow": f.Key})
	}
	ts, err := tx.Task.Query().Where(task.OrderID(o.ID), task.NodeIDIn(nodes...), task.Status("open"), task.KindNEQ("cc")).
		Order(ent.Asc(task.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 || o.Status != engine.StatusInReview {
		return nil, service.Refuse(http.StatusConflict, "problem.order_not_at_shipping", i18n.Params{"Status": o.Status, "Nodes": strings.Join(o.CurrentNodes, ", ")})
	}
	for _, t := range ts {
		if !s.MayAct(a, f, t, engine.ActApprove) {
			continue
		}
		if a.Username == o.Submitter && !f.Nodes[t.NodeID].AllowSelf {
			return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.ship_own_order", nil)
		}
		return t, nil
	}
	return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.ship_not_assignee", nil)
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
			return "", service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_warehouse", nil, service.FieldErr("/warehouse", "warehouse.unknown", i18n.Params{"Warehouse": asked}))
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
func (s *Fulfilment) completeShipping(ctx context.Context, tx *ent.Tx, j *store.Journal, a service.Actor, f *engine.Flow, o *ent.Order, t *ent.Task, number string) (*service.OrderView, error) {
	if err := j.Audit(ctx, store.Audit{Actor: "system", Action: ActionShippingComplete, OrderID: o.ID, Node: t.NodeID, TaskID: t.ID,
		Detail: map[string]any{"why": "every line of the order is shipped", "shipment": number, "on_behalf_of": a.Username}}); err != nil {
		return nil, err
	}
	req := service.ActionRequest{Action: engine.ActApprove, Comment: "every line is shipped (" + number + ")",
		Checklist: slices.Repeat([]bool{true}, len(f.Nodes[t.NodeID].Checklist))}
	r, err := s.Decide(ctx, tx, j, a, f, o, t, req)
	if err != nil {
		return nil, err
	}
	return &r.Order, nil
}

func shipmentView(sh *ent.Shipment) service.ShipmentView {
	v := service.ShipmentView{ID: sh.ID, Number: sh.Number, Carrier: sh.Carrier, Tracking: sh.Tracking, TrackingURL: sh.TrackingURL,
		Warehouse: sh.Warehouse, ShippedBy: sh.ShippedBy, CreatedAt: sh.CreatedAt, Lines: make([]service.ShipmentLine, 0, len(sh.Lines))}
	if c, ok := plugins.GetCarrier(sh.Carrier); ok {
		v.CarrierName = c.Name
	}
	for _, l := range sh.Lines {
		sku, _ := l["sku"].(string)
		v.Lines = append(v.Lines, service.ShipmentLine{SKU: sku, Qty: intOf(l["qty"])})
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
func (s *Fulfilment) Shipments(ctx context.Context, a service.Actor, orderID int) ([]service.ShipmentView, error) {
	if _, err := s.ReadableOrder(ctx, a, orderID); err != nil {
		return nil, err
	}
	return shipmentsOf(ctx, s.Store.Read, orderID)
}

func shipmentsOf(ctx context.Context, c *ent.Client, orderID int) ([]service.ShipmentView, error) {
	rows, err := c.Shipment.Query().Where(shipment.OrderID(orderID)).Order(ent.Asc(shipment.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]service.ShipmentView, len(rows))
	for i, r := range rows {
		out[i] = shipmentView(r)
	}
	return out, nil
}

// addShipping adds to a single-order view what shipped of each line (from the stock
// ledger, which every way of shipping writes) and the shipments (the core adds the
// orders linked to it: service.AddCases).
func addShipping(ctx context.Context, c *ent.Client, o *ent.Order, v *service.OrderView) error {
	items, _ := o.Data["items"].([]any)
	if len(items) > 0 {
		shipped, err := inventory.Moved(ctx, c, inventory.KindShip, o.ID)
		if err != nil {
			return err
		}
		// an SKU on several lines: what shipped fills them in order
		for _, it := range items {
			m, _ := it.(map[string]any)
			l := service.LineView{}
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
	return nil
}
