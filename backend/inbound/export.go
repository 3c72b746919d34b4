package inbound

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/order"
	"sluice/backend/i18n"
	"sluice/backend/intake"
	"sluice/backend/service"
)

// exportBatch is how many orders are read per query while exporting.
const exportBatch = 500

// maxExportRows stays under Excel's sheet limit (1,048,576 rows).
const maxExportRows = 1_000_000

// Langs are the languages of the interface; the first is the default.
var Langs = []string{"zh-TW", "zh-CN", "en"}

// exportHeaders are the fixed columns' titles per language.
var exportHeaders = map[string][]string{
	"zh-TW": {"訂單編號", "流程", "狀態", "部門", "提交人", "客戶", "合計", "建立時間 (UTC)", "目前節點"},
	"zh-CN": {"订单编号", "流程", "状态", "部门", "提交人", "客户", "合计", "创建时间 (UTC)", "当前节点"},
	"en":    {"Number", "Flow", "Status", "Department", "Submitter", "Customer", "Total", "Created (UTC)", "Current steps"},
}

// Export is a finished workbook, ready to be written.
type Export struct {
	f *excelize.File
}

// WriteTo writes the workbook.
func (e *Export) WriteTo(w io.Writer) (int64, error) { return e.f.WriteTo(w) }

// Close releases the workbook's temporary files.
func (e *Export) Close() error { return e.f.Close() }

// formColumn is a top-level scalar field of a form, exported as a column.
type formColumn struct {
	name  string
	title string
}

// ExportOrders writes the orders GET /orders would list for the same filter — every
// page of them — into a workbook, rows streamed to disk by excelize rather than held.
func (s *Inbound) ExportOrders(ctx context.Context, a service.Actor, f service.OrderFilter, lang string) (*Export, error) {
	readAll := s.CanAnywhere(a, "orders", "read_all")
	switch {
	case f.Department != "" && !readAll && !s.Can(a, f.Department, "orders", "read"):
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_department_orders", i18n.Params{"Department": f.Department})
	case f.Department == "" && !readAll && !s.CanAnywhere(a, "orders", "read"):
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.read_any_orders", nil)
	}
	if exportHeaders[lang] == nil {
		lang = Langs[0]
	}
	f.Cursor = ""
	q, err := s.OrderQuery(ctx, a, f)
	if err != nil {
		return nil, err
	}
	flows, err := q.Clone().GroupBy(order.FieldFlowKey).Strings(ctx)
	if err != nil {
		return nil, err
	}
	cols, err := s.exportFormColumns(ctx, flows, lang)
	if err != nil {
		return nil, err
	}

	x := excelize.NewFile()
	ok := false
	defer func() {
		if !ok {
			_ = x.Close()
		}
	}()
	sheet := x.GetSheetName(0)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	bold, err := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	dateFmt := "yyyy-mm-dd hh:mm"
	date, err := x.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return nil, err
	}
	header := []any{}
	for _, h := range exportHeaders[lang] {
		header = append(header, excelize.Cell{StyleID: bold, Value: h})
	}
	for _, c := range cols {
		header = append(header, excelize.Cell{StyleID: bold, Value: c.title})
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	row := 2
	flowCache := map[string]*engine.Flow{}
	for cursor := 0; row-2 < maxExportRows; {
		bq, err := s.OrderQuery(ctx, a, f)
		if err != nil {
			return nil, err
		}
		if cursor > 0 {
			bq.Where(order.IDLT(cursor))
		}
		batch, err := bq.Order(ent.Desc(order.FieldID)).Limit(exportBatch).All(ctx)
		if err != nil {
			return nil, err
		}
		g, err := s.Guard(ctx, s.Store.Read, a, batch...)
		if err != nil {
			return nil, err
		}
		for _, o := range batch {
			if ok, err := g.MatchesVisible(ctx, o, f.Q); err != nil {
				return nil, err
			} else if !ok { // matched only by what the caller may not see (pages.go)
				continue
			}
			vals, err := s.exportRow(ctx, g, o, lang, cols, flowCache, date)
			if err != nil {
				return nil, err
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			if err := sw.SetRow(cell, vals); err != nil {
				return nil, err
			}
			row++
		}
		if len(batch) < exportBatch {
			break
		}
		cursor = batch[len(batch)-1].ID
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	ok = true
	return &Export{f: x}, nil
}

// exportFormColumns lists the top-level scalar fields of the forms of the given flows,
// in form order, each once.
func (s *Inbound) exportFormColumns(ctx context.Context, flows []string, lang string) ([]formColumn, error) {
	var cols []formColumn
	seen := map[string]bool{}
	for _, key := range flows {
		// a flow or form no longer published still exports its orders' fixed columns;
		// one that cannot be read is a fault, not a reason to drop its columns
		fl, err := s.Catalog.Flow(ctx, key, 0)
		if err != nil {
			return nil, err
		}
		if fl == nil {
			continue
		}
		form, err := s.Catalog.Form(ctx, fl.Doc.Form)
		if err != nil {
			return nil, err
		}
		if form == nil {
			continue
		}
		sch, err := intake.ParseSchema(form.Schema)
		if err != nil {
			continue
		}
		sch.OrderBy(form.UI)
		for _, name := range sch.TopScalars() {
			if seen[name] {
				continue
			}
			seen[name] = true
			// The field's title in the reader's language; a form with no title in English
			// gives English readers the field's key rather than a title they may not read.
			title := name
			t := sch.Properties[name].Title
			if s := t[lang]; s != "" {
				title = s
			} else if s := t[engine.DefaultLanguage]; s != "" && lang != "en" {
				title = s
			}
			cols = append(cols, formColumn{name: name, title: title})
		}
	}
	return cols, nil
}

func (s *Inbound) exportRow(ctx context.Context, g *service.FieldGuard, o *ent.Order, lang string, cols []formColumn, flows map[string]*engine.Flow, dateStyle int) ([]any, error) {
	k := o.FlowKey + "@" + strconv.Itoa(o.FlowVersion)
	fl, seen := flows[k]
	if !seen {
		var err error
		if fl, err = s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion); err != nil {
			return nil, err
		}
		flows[k] = fl
	}
	flowName, nodes := o.FlowKey, make([]string, 0, len(o.CurrentNodes))
	for _, n := range o.CurrentNodes {
		name := n
		if fl != nil && fl.Nodes[n] != nil {
			name = textIn(fl.Nodes[n].Name, lang, n)
		}
		nodes = append(nodes, name)
	}
	if fl != nil {
		flowName = textIn(fl.Doc.Name, lang, o.FlowKey)
	}
	// what the caller may not see stays blank, as on the screen (fields.go)
	data, hidden, err := g.Data(ctx, o)
	if err != nil {
		return nil, err
	}
	customer := o.Customer
	if c, ok := o.Data["customer"].(map[string]any); ok && customer == "" {
		customer, _ = c["name"].(string)
	}
	var total any = o.Total
	if hidden["customer"] {
		customer = ""
	}
	if hidden["total"] {
		total = nil
	}
	vals := []any{o.Number, flowName, o.Status, o.Department, o.Submitter, customer, total,
		excelize.Cell{StyleID: dateStyle, Value: o.CreatedAt}, strings.Join(nodes, ", ")}
	for _, c := range cols {
		switch v := data[c.name].(type) {
		case string, float64, bool:
			vals = append(vals, v)
		case nil:
			vals = append(vals, nil)
		default:
			vals = append(vals, fmt.Sprint(v))
		}
	}
	return vals, nil
}

// textIn picks a localized text: the language asked for, else the default, else any.
func textIn(t engine.Text, lang, fallback string) string {
	if v := t[lang]; v != "" {
		return v
	}
	if v := t[Langs[0]]; v != "" {
		return v
	}
	for _, v := range t {
		if v != "" {
			return v
		}
	}
	return fallback
}
