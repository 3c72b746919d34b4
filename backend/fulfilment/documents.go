package fulfilment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"sluice/backend/documents"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/department"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/pluginhost"
	"sluice/backend/service"
	"sluice/backend/store"
	"sluice/plugins"
)

// ActionDocumentPrinted is the audit action of every printed document.
const ActionDocumentPrinted = "document.printed"

// MaxBatchPrint is the most orders one batch print takes.
const MaxBatchPrint = 200

// BatchPrintRequest is the body of POST /documents/batch.
type BatchPrintRequest struct {
	Orders   []int  `json:"orders"`
	Document string `json:"document" max:"64"`
	Lang     string `json:"lang,omitempty" max:"35"`
}

// PrintedDocument is a rendered PDF.
type PrintedDocument struct {
	PDF      []byte
	Filename string
	// Pages per order, in the order printed.
	Pages []int
}

// PrintDocument renders one document of an order the actor may read (lang "" means the
// order's language, else the flow's print settings, else zh-TW). With record it is a
// print (POST): the audit trail gets a document.printed entry before the PDF is
// answered. Without, it is a view (GET: preview, download) and writes nothing — a GET
// changes no state. Unknown document or order: 404; an order the actor may not see: 403.
func (s *Fulfilment) PrintDocument(ctx context.Context, a service.Actor, id int, name string, lang documents.Lang, record bool) (*PrintedDocument, error) {
	if _, ok := documents.Templates[name]; !ok {
		return nil, service.Refuse(http.StatusNotFound, "problem.document_unknown", i18n.Params{"Name": name, "Documents": strings.Join(documents.Names, ", ")})
	}
	o, err := s.ReadableOrder(ctx, a, id)
	if err != nil {
		return nil, err
	}
	d, err := s.print(ctx, a, name, lang, []*ent.Order{o}, record)
	if err != nil {
		return nil, err
	}
	d.Filename = o.Number + "-" + name + ".pdf"
	return d, nil
}

// PrintBatch renders one document for many orders as one PDF, each order from a new
// page, and records one audit entry per order. Every order must be readable by the
// actor, or nothing is printed.
func (s *Fulfilment) PrintBatch(ctx context.Context, a service.Actor, req BatchPrintRequest) (*PrintedDocument, error) {
	var errs []service.FieldError
	if _, ok := documents.Templates[req.Document]; !ok {
		errs = append(errs, service.FieldErr("/document", "document.unknown", i18n.Params{"Documents": strings.Join(documents.Names, ", ")}))
	}
	var lang documents.Lang
	if req.Lang != "" {
		l, ok := documents.ParseLang(req.Lang)
		if !ok {
			errs = append(errs, service.FieldErr("/lang", "language.unknown_or_order", nil))
		}
		lang = l
	}
	switch {
	case len(req.Orders) == 0:
		errs = append(errs, service.FieldErr("/orders", "batch.orders_required", nil))
	case len(req.Orders) > MaxBatchPrint:
		errs = append(errs, service.FieldErr("/orders", "batch.too_many_orders", i18n.Params{"Max": MaxBatchPrint}))
	}
	seen := map[int]int{}
	for i, id := range req.Orders {
		if id < 1 {
			errs = append(errs, service.FieldErr("/orders/"+strconv.Itoa(i), "order.id_positive", nil))
		} else if j, dup := seen[id]; dup {
			errs = append(errs, service.FieldErr("/orders/"+strconv.Itoa(i), "batch.order_repeated", i18n.Params{"ID": id, "At": "/orders/" + strconv.Itoa(j)}))
		} else {
			seen[id] = i
		}
	}
	if len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.batch_invalid", nil, errs...)
	}
	orders := make([]*ent.Order, 0, len(req.Orders))
	for _, id := range req.Orders {
		o, err := s.ReadableOrder(ctx, a, id)
		if err != nil {
			var e *service.Error
			if errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusForbidden) {
				// the order's own refusal, read in the request's language, names the order
				var reason any = e.Detail
				if e.Key != "" {
					reason = i18n.M(e.Key, e.Params)
				}
				e.Key, e.Params = "problem.batch_order", i18n.Params{"ID": id, "Reason": reason}
				e.Detail = i18n.En(e.Key, e.Params)
			}
			return nil, err
		}
		orders = append(orders, o)
	}
	d, err := s.print(ctx, a, req.Document, lang, orders, true)
	if err != nil {
		return nil, err
	}
	d.Filename = fmt.Sprintf("%s-%d-orders.pdf", req.Document, len(orders))
	return d, nil
}

// print renders the orders (outside any transaction), then, with record, records one
// audit entry per order in one transaction: the PDF is answered only when its prints
// are recorded.
func (s *Fulfilment) print(ctx context.Context, a service.Actor, name string, lang documents.Lang, orders []*ent.Order, record bool) (*PrintedDocument, error) {
	req := documents.Request{Document: name, Lang: lang, PrintedAt: store.Now()}
	people, depts, err := s.printNames(ctx, orders)
	if err != nil {
		return nil, err
	}
	g, err := s.Guard(ctx, s.Store.Read, a, orders...)
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		d := documents.Order{ID: o.ID, Number: o.Number, Status: o.Status, Department: o.Department,
			Submitter: o.Submitter, CreatedAt: o.CreatedAt}
		// a copy on paper shows no more than the screen (service/fields.go)
		data, _, err := g.Data(ctx, o)
		if err != nil {
			return nil, err
		}
		documents.FromData(&d, data)
		if d.Total, err = g.Total(ctx, o); err != nil {
			return nil, err
		}
		if n := people[o.Submitter]; n != "" {
			d.Submitter = n
		}
		setLang, company, err := s.printSetup(ctx, o)
		if err != nil {
			return nil, err
		}
		if d.Lang == "" {
			d.Lang = setLang
		}
		l := lang
		if l == "" {
			l = d.Lang
		}
		if n := depts[o.Department].In(l); n != "" {
			d.Department = n
		}
		d.Company = company
		if documents.Templates[name].Tracking {
			if err := s.shippedLines(ctx, o, &d); err != nil {
				return nil, err
			}
		}
		req.Orders = append(req.Orders, d)
	}
	res, err := documents.Render(req)
	if err != nil {
		return nil, err
	}
	if !record {
		return &PrintedDocument{PDF: res.PDF, Pages: res.Pages}, nil
	}
	sum := sha256.Sum256(res.PDF)
	digest := hex.EncodeToString(sum[:])
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		ids := make([]int, len(orders))
		for i, o := range orders {
			ids[i] = o.ID
		}
		// each print is noted on its order's audit chain: the orders' locks first
		if err := s.LockAllForWrite(ctx, tx, ids...); err != nil {
			return err
		}
		for i, o := range orders {
			detail := map[string]any{"document": name, "lang": string(res.Langs[i]), "pages": res.Pages[i], "sha256": digest}
			if len(orders) > 1 {
				detail["batch"] = len(orders)
			}
			if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: ActionDocumentPrinted, OrderID: o.ID, Detail: detail}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &PrintedDocument{PDF: res.PDF, Pages: res.Pages}, nil
}

// printSetter is what a plugin offers whose node sets how its flow's orders print: the
// language when the order names none and the company header, from the node's
// provisioned settings.
type printSetter interface {
	PrintSetup(config any) (documents.Lang, documents.Company)
}

// printSetup is how the order prints: as the first task node of its flow version whose
// plugin is a printSetter says (zh-TW and the default header when none is, or its
// settings do not provision; an error reading the flow is a fault, not a reason to
// print with the defaults).
func (s *Fulfilment) printSetup(ctx context.Context, o *ent.Order) (documents.Lang, documents.Company, error) {
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil || f == nil {
		return documents.ZhTW, documents.DefaultCompany, err
	}
	for i := range f.Doc.Nodes {
		n := &f.Doc.Nodes[i]
		p, ok := plugins.Get(n.Plugin)
		if n.Type != engine.TypeTask || !ok {
			continue
		}
		ps, ok := p.(printSetter)
		if !ok {
			continue
		}
		cfg, err := pluginhost.Config(p, n)
		if err != nil {
			s.Log.Warn("documents: print settings do not decode; using defaults", "flow", f.Key, "version", f.Version, "node", n.ID, "err", err)
			return documents.ZhTW, documents.DefaultCompany, nil
		}
		l, c := ps.PrintSetup(cfg)
		return l, c, nil
	}
	return documents.ZhTW, documents.DefaultCompany, nil
}

// printNames looks up the submitters' display names and the departments' names.
func (s *Fulfilment) printNames(ctx context.Context, orders []*ent.Order) (map[string]string, map[string]documents.Text, error) {
	var users, keys []string
	for _, o := range orders {
		users = append(users, o.Submitter)
		keys = append(keys, o.Department)
	}
	people := map[string]string{}
	us, err := s.Store.Read.User.Query().Where(user.UsernameIn(users...)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range us {
		people[u.Username] = u.DisplayName
	}
	depts := map[string]documents.Text{}
	ds, err := s.Store.Read.Department.Query().Where(department.KeyIn(keys...)).All(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		t := documents.Text{}
		for k, v := range d.Names {
			if l, ok := documents.ParseLang(k); ok {
				t[l] = v
			}
		}
		if len(t) == 0 && d.Name != "" {
			t[documents.ZhTW] = d.Name
		}
		depts[d.Key] = t
	}
	return people, depts, nil
}

// shippedLines turns a delivery note of an order with shipments into one of what has
// shipped: the shipped quantity per SKU (names from the order's lines) and the parcels
// with their tracking numbers. An order without shipments prints its ordered lines.
func (s *Fulfilment) shippedLines(ctx context.Context, o *ent.Order, d *documents.Order) error {
	shs, err := shipmentsOf(ctx, s.Store.Read, o.ID)
	if err != nil || len(shs) == 0 {
		return err
	}
	qty := map[string]float64{}
	var skus []string
	for _, sh := range shs {
		t := documents.Text{}
		for k, v := range sh.CarrierName {
			if l, ok := documents.ParseLang(k); ok {
				t[l] = v
			}
		}
		if len(t) == 0 {
			t[documents.ZhTW] = sh.Carrier
		}
		d.Shipments = append(d.Shipments, documents.Shipment{Number: sh.Number, Carrier: t, Tracking: sh.Tracking})
		for _, l := range sh.Lines {
			if _, seen := qty[l.SKU]; !seen {
				skus = append(skus, l.SKU)
			}
			qty[l.SKU] += float64(l.Qty)
		}
	}
	lines := make([]documents.Line, 0, len(skus))
	for _, sku := range skus {
		ln := documents.Line{SKU: sku, Qty: qty[sku]}
		for _, ol := range d.Lines {
			if ol.SKU == sku {
				ln.Name, ln.Price = ol.Name, ol.Price
				break
			}
		}
		lines = append(lines, ln)
	}
	d.Lines = lines
	return nil
}
