// Package documents prints an order's documents — the order sheet, the packing slip
// and the delivery note — as PDF: company header, a QR code and a Code 128 barcode of
// the order number, the order's details and items (page breaks repeat the table
// header), totals, note and signature boxes, with labels in Traditional Chinese
// (default), Simplified Chinese or English. The CJK and Latin fonts are compiled in
// (fonts/README.md); the PDF embeds only the glyphs it uses. Templates are Go data
// (templates.go). The package knows nothing of HTTP or the database.
package documents

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/signintech/gopdf"
)

// ErrUnknownDocument is returned for a document name that has no template.
var ErrUnknownDocument = errors.New("documents: unknown document")

// Request is one print run: one document for one or more orders, in one PDF. Each
// order starts on a new page and has its own page numbers.
type Request struct {
	Document string
	// Lang is the language of the labels; empty: each order's own, else zh-TW.
	Lang Lang
	// Company is the header of orders that have none of their own; zero: DefaultCompany.
	Company Company
	Orders  []Order
	// PrintedAt is stamped on every page (zero: now).
	PrintedAt time.Time
	// Location is the time zone dates are printed in (nil: Asia/Taipei).
	Location *time.Location
}

// Result is the printed PDF and how many pages each order took.
type Result struct {
	PDF   []byte
	Pages []int
	// Langs is the language each order was printed in.
	Langs []Lang
}

// Page geometry in points (A4 portrait).
const (
	pageW, pageH = 595.28, 841.89
	marginX      = 40.0
	marginTop    = 34.0
	marginBottom = 34.0
	contentW     = pageW - 2*marginX
	footerH      = 18.0
	bottomY      = pageH - marginBottom - footerH

	headerH  = 74.0 // company header, down to the rule under it
	qrSize   = 62.0
	titleH   = 44.0
	infoGap  = 10.0
	bodySize = 9.5
	smallSz  = 8.0
	cellPad  = 4.0
	lineK    = 1.38 // line height per point of font size
)

var defaultLocation = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Taipei"); err == nil {
		return l
	}
	return time.FixedZone("UTC+8", 8*3600)
}()

// Render prints the request as one PDF.
func Render(req Request) (*Result, error) {
	tpl, ok := Templates[req.Document]
	if !ok {
		return nil, fmt.Errorf("%w %q (one of %s)", ErrUnknownDocument, req.Document, strings.Join(Names, ", "))
	}
	if len(req.Orders) == 0 {
		return nil, errors.New("documents: no orders to print")
	}
	fs, err := loadFonts()
	if err != nil {
		return nil, err
	}
	if req.Company.IsZero() {
		req.Company = DefaultCompany
	}
	if req.PrintedAt.IsZero() {
		req.PrintedAt = time.Now()
	}
	if req.Location == nil {
		req.Location = defaultLocation
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	for _, fam := range []string{famLatin, famCJK} {
		if err := pdf.AddTTFFontFromFontContainer(fam, &fs.container); err != nil {
			return nil, fmt.Errorf("documents: font %s: %w", fam, err)
		}
	}
	r := &renderer{pdf: pdf, fs: fs, tpl: tpl, req: req}
	res := &Result{}
	for i := range req.Orders {
		o := &req.Orders[i]
		l := req.Lang
		if l == "" {
			l = o.Lang
		}
		if l == "" {
			l = ZhTW
		}
		n, err := r.order(o, l)
		if err != nil {
			return nil, fmt.Errorf("documents: %s of %s: %w", tpl.Name, o.Number, err)
		}
		res.Pages = append(res.Pages, n)
		res.Langs = append(res.Langs, l)
	}
	title := tpl.Title.In(req.Lang)
	if len(req.Orders) == 1 {
		title += " " + req.Orders[0].Number
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Subject: tpl.Name, Author: req.Company.Name.In(req.Lang),
		Creator: "Sluice", Producer: "Sluice (gopdf)", CreationDate: req.PrintedAt})
	b, err := pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("documents: write pdf: %w", err)
	}
	res.PDF = b
	return res, nil
}

type renderer struct {
	pdf *gopdf.GoPdf
	fs  *fontSet
	tpl Template
	req Request
	// per order
	o        *Order
	lang     Lang
	decimals int
	// the order's codes, drawn on each of its pages
	qr, barcode *image.Gray
}

// page is one page of an order: the item rows it holds and whether the closing
// block (totals, note, signatures) is on it.
type page struct {
	first    bool
	from, to int
	closing  bool
}

// order lays out and draws one order; it returns its page count.
func (r *renderer) order(o *Order, l Lang) (int, error) {
	r.o, r.lang = o, l
	r.decimals = moneyDecimals(o)
	r.qr, r.barcode = nil, nil
	var err error
	if r.tpl.QR {
		if r.qr, err = QRImage(o.Number, 4); err != nil {
			return 0, err
		}
	}
	if r.tpl.Barcode {
		if r.barcode, err = Code128Image(o.Number, 2, 60); err != nil {
			return 0, err
		}
	}
	rows := make([][][]string, len(o.Lines)) // row → column → wrapped lines
	heights := make([]float64, len(o.Lines))
	for i, ln := range o.Lines {
		rows[i] = make([][]string, len(r.tpl.Columns))
		lines := 1
		for c, col := range r.tpl.Columns {
			w := col.Width*contentW - 2*cellPad
			rows[i][c] = r.wrap(r.cell(col, i, ln), bodySize, w)
			lines = max(lines, len(rows[i][c]))
		}
		heights[i] = float64(lines)*bodySize*lineK + 2*cellPad - (lineK-1)*bodySize
	}
	info := r.infoLayout()
	closingH := r.closingHeight()
	thH := r.tableHeaderHeight()

	var pages []page
	cur := page{first: true}
	y := marginTop + headerH + titleH + info.height + infoGap + thH
	for i, h := range heights {
		if y+h > bottomY && i > cur.from {
			cur.to = i
			pages = append(pages, cur)
			cur = page{from: i}
			y = marginTop + headerH + titleH + thH
		}
		y += h
	}
	cur.to = len(heights)
	if y+closingH > bottomY && cur.to > cur.from {
		pages = append(pages, cur)
		cur = page{from: len(heights), to: len(heights)}
	}
	cur.closing = true
	pages = append(pages, cur)

	for n, pg := range pages {
		r.pdf.AddPage()
		if err := r.header(); err != nil {
			return 0, err
		}
		if err := r.title(pg.first); err != nil {
			return 0, err
		}
		y := marginTop + headerH + titleH
		if pg.first {
			if err := r.info(info, y); err != nil {
				return 0, err
			}
			y += info.height + infoGap
		}
		if pg.to > pg.from || (pg.first && len(heights) == 0) {
			var err error
			if y, err = r.tableHeader(y); err != nil {
				return 0, err
			}
			for i := pg.from; i < pg.to; i++ {
				if err := r.row(y, heights[i], rows[i]); err != nil {
					return 0, err
				}
				y += heights[i]
			}
		}
		if pg.closing {
			if err := r.closing(y); err != nil {
				return 0, err
			}
		}
		if err := r.footer(n+1, len(pages)); err != nil {
			return 0, err
		}
	}
	return len(pages), nil
}

// cell is the text of one table cell.
func (r *renderer) cell(c Column, i int, ln Line) string {
	switch c.Key {
	case "no":
		return strconv.Itoa(i + 1)
	case "sku":
		return ln.SKU
	case "name":
		return ln.Name
	case "qty":
		return formatQty(ln.Qty)
	case "price":
		return formatMoney(ln.Price, r.decimals)
	case "amount":
		return formatMoney(ln.Amount(), r.decimals)
	}
	return ""
}

// header draws the company name, address and contacts, and the QR code.
func (r *renderer) header() error {
	c := r.req.Company
	if !r.o.Company.IsZero() {
		c = r.o.Company
	}
	y := marginTop
	textW := contentW - qrSize - 12
	if err := r.text(marginX, y+15, fit(r, c.Name.In(r.lang), 15, textW), 15); err != nil {
		return err
	}
	y += 22
	if a := c.Address.In(r.lang); a != "" {
		if err := r.text(marginX, y+smallSz+1, fit(r, a, smallSz+0.5, textW), smallSz+0.5); err != nil {
			return err
		}
		y += 13
	}
	var parts []string
	if c.Phone != "" {
		parts = append(parts, label("phone", r.lang)+" "+c.Phone)
	}
	if c.Email != "" {
		parts = append(parts, c.Email)
	}
	if c.TaxID != "" {
		parts = append(parts, label("tax_id", r.lang)+" "+c.TaxID)
	}
	if len(parts) > 0 {
		if err := r.text(marginX, y+smallSz+1, fit(r, strings.Join(parts, "    "), smallSz+0.5, textW), smallSz+0.5); err != nil {
			return err
		}
	}
	if r.qr != nil {
		if err := r.pdf.ImageFrom(r.qr, pageW-marginX-qrSize, marginTop-4, &gopdf.Rect{W: qrSize, H: qrSize}); err != nil {
			return fmt.Errorf("qr image: %w", err)
		}
	}
	r.pdf.SetLineWidth(0.8)
	r.pdf.SetStrokeColor(60, 60, 60)
	r.pdf.Line(marginX, marginTop+headerH-6, pageW-marginX, marginTop+headerH-6)
	return nil
}

// title draws the document's title, centred, and on the right the order number's
// barcode; a title too wide to stay clear of the barcode is set smaller.
func (r *renderer) title(first bool) error {
	y := marginTop + headerH
	t := r.tpl.Title.In(r.lang)
	if !first {
		t += label("continued", r.lang)
	}
	bw := 0.0
	if img := r.barcode; img != nil {
		const h = 24.0
		bw = min(float64(img.Bounds().Dx())*0.36, contentW*0.4) // 0.72 pt (0.25 mm) per module
		x := pageW - marginX - bw
		if err := r.pdf.ImageFrom(img, x, y+2, &gopdf.Rect{W: bw, H: h}); err != nil {
			return fmt.Errorf("barcode image: %w", err)
		}
		nw := r.fs.width(r.o.Number, smallSz)
		if err := r.text(x+(bw-nw)/2, y+h+2+smallSz+1, r.o.Number, smallSz); err != nil {
			return err
		}
	}
	display := r.fs.norm(spaced(t))
	size := 20.0
	maxW := contentW - 2*(bw+12)
	if w := r.fs.width(display, size); w > maxW {
		size *= maxW / w
	}
	w := r.fs.width(display, size)
	return r.text((pageW-w)/2, y+22, display, size)
}

// spaced puts a space between the characters of a short CJK title (訂 單), the way
// printed forms set them; other titles are left alone.
func spaced(t string) string {
	rs := []rune(t)
	if len(rs) > 4 {
		return t
	}
	for _, c := range rs {
		if c < 0x2E80 {
			return t
		}
	}
	out := make([]string, len(rs))
	for i, c := range rs {
		out[i] = string(c)
	}
	return strings.Join(out, "  ")
}

// infoBlock is the laid-out details: label/value cells in two columns.
type infoBlock struct {
	cells  []infoCell
	height float64
}

type infoCell struct {
	x, y, labelW, valueW float64
	label                string
	value                []string
}

func (r *renderer) fieldValue(f string) string {
	o := r.o
	switch f {
	case fNumber:
		return o.Number
	case fDate:
		if o.CreatedAt.IsZero() {
			return ""
		}
		return o.CreatedAt.In(r.req.Location).Format("2006-01-02")
	case fStatus:
		return statusLabel(o.Status, r.lang)
	case fCustomer:
		return o.Customer
	case fContact:
		return o.Contact
	case fShipTo:
		return o.ShipTo
	case fPromised:
		return o.PromisedDate
	case fCurrency:
		return o.Currency
	case fHandledBy:
		if o.Department != "" && o.Submitter != "" {
			return o.Submitter + " (" + o.Department + ")"
		}
		return o.Submitter + o.Department
	case fPrinted:
		return r.req.PrintedAt.In(r.req.Location).Format("2006-01-02 15:04")
	}
	return ""
}

func (r *renderer) infoLayout() infoBlock {
	const colGap = 16.0
	colW := (contentW - colGap) / 2
	labelW := 0.0
	for _, f := range r.tpl.Fields {
		labelW = max(labelW, r.fs.width(r.fs.norm(label(f, r.lang)), bodySize))
	}
	labelW += 8
	var b infoBlock
	y := 0.0
	lh := bodySize * lineK
	for i := 0; i < len(r.tpl.Fields); i += 2 {
		rowLines := 1
		for k := 0; k < 2 && i+k < len(r.tpl.Fields); k++ {
			f := r.tpl.Fields[i+k]
			c := infoCell{x: marginX + float64(k)*(colW+colGap), y: y, labelW: labelW, valueW: colW - labelW,
				label: label(f, r.lang)}
			c.value = r.wrap(r.fieldValue(f), bodySize, c.valueW)
			rowLines = max(rowLines, len(c.value))
			b.cells = append(b.cells, c)
		}
		y += float64(rowLines)*lh + 3
	}
	b.height = y
	return b
}

func (r *renderer) info(b infoBlock, top float64) error {
	lh := bodySize * lineK
	for _, c := range b.cells {
		r.pdf.SetTextColor(90, 90, 90)
		if err := r.text(c.x, top+c.y+bodySize, c.label, bodySize); err != nil {
			return err
		}
		r.pdf.SetTextColor(0, 0, 0)
		for i, ln := range c.value {
			if err := r.text(c.x+c.labelW, top+c.y+bodySize+float64(i)*lh, ln, bodySize); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *renderer) tableHeaderHeight() float64 { return bodySize + 2*cellPad + 2 }

func (r *renderer) tableHeader(y float64) (float64, error) {
	h := r.tableHeaderHeight()
	r.pdf.SetFillColor(232, 232, 232)
	r.pdf.SetLineWidth(0.5)
	r.pdf.SetStrokeColor(120, 120, 120)
	r.pdf.RectFromUpperLeftWithStyle(marginX, y, contentW, h, "FD")
	x := marginX
	r.pdf.SetTextColor(0, 0, 0)
	for _, c := range r.tpl.Columns {
		w := c.Width * contentW
		t := r.fs.norm(c.Label.In(r.lang))
		tx := x + cellPad
		if c.Right {
			tx = x + w - cellPad - r.fs.width(t, bodySize)
		}
		if err := r.text(tx, y+cellPad+bodySize, t, bodySize); err != nil {
			return 0, err
		}
		x += w
	}
	return y + h, nil
}

func (r *renderer) row(y, h float64, cells [][]string) error {
	x := marginX
	lh := bodySize * lineK
	r.pdf.SetTextColor(0, 0, 0)
	for c, col := range r.tpl.Columns {
		w := col.Width * contentW
		for i, ln := range cells[c] {
			tx := x + cellPad
			if col.Right {
				tx = x + w - cellPad - r.fs.width(ln, bodySize)
			}
			if err := r.text(tx, y+cellPad+bodySize+float64(i)*lh, ln, bodySize); err != nil {
				return err
			}
		}
		if col.Key == "check" {
			const s = 8.0
			r.pdf.SetLineWidth(0.6)
			r.pdf.SetStrokeColor(60, 60, 60)
			r.pdf.RectFromUpperLeftWithStyle(x+(w-s)/2, y+cellPad+1.5, s, s, "D")
		}
		x += w
	}
	r.pdf.SetLineWidth(0.3)
	r.pdf.SetStrokeColor(170, 170, 170)
	r.pdf.Line(marginX, y+h, marginX+contentW, y+h)
	return nil
}

// closing parts: totals, note, signatures, remark.
func (r *renderer) totalsLines() []string {
	var out []string
	for _, t := range r.tpl.Totals {
		switch t {
		case "qty":
			q := 0.0
			for _, l := range r.o.Lines {
				q += l.Qty
			}
			out = append(out, label("total_qty", r.lang)+"  "+formatQty(q))
		case "amount":
			out = append(out, label("total", r.lang)+"  "+strings.TrimSpace(r.o.Currency+" "+formatMoney(r.o.Total, r.decimals)))
		}
	}
	return out
}

func (r *renderer) noteLines() []string {
	if !r.tpl.Note || strings.TrimSpace(r.o.Note) == "" {
		return nil
	}
	var out []string
	prefix := label("note", r.lang) + "："
	if r.lang == En {
		prefix = label("note", r.lang) + ": "
	}
	pw := r.fs.width(r.fs.norm(prefix), bodySize)
	for i, para := range strings.Split(strings.TrimSpace(r.o.Note), "\n") {
		ls := r.wrap(para, bodySize, contentW-pw)
		if i == 0 && len(ls) > 0 {
			ls[0] = prefix + ls[0]
		}
		out = append(out, ls...)
	}
	return out
}

// shipmentLines list the order's shipments on a template with Tracking: one line per
// parcel, so the receiver can match the boxes with the carriers' numbers.
func (r *renderer) shipmentLines() []string {
	if !r.tpl.Tracking || len(r.o.Shipments) == 0 {
		return nil
	}
	sep := "："
	if r.lang == En {
		sep = ": "
	}
	out := []string{label("shipments", r.lang) + sep}
	for _, sh := range r.o.Shipments {
		out = append(out, fit(r, fmt.Sprintf("%s  %s  %s %s", sh.Number, sh.Carrier.In(r.lang), label("tracking", r.lang), sh.Tracking), bodySize, contentW))
	}
	return out
}

const (
	signH   = 46.0
	signGap = 14.0
)

func (r *renderer) closingHeight() float64 {
	lh := bodySize * lineK
	h := 6 + float64(len(r.totalsLines()))*(lh+2)
	if n := len(r.noteLines()); n > 0 {
		h += 6 + float64(n)*lh
	}
	if n := len(r.shipmentLines()); n > 0 {
		h += 6 + float64(n)*lh
	}
	if len(r.tpl.Signatures) > 0 {
		h += signGap + signH
	}
	if len(r.tpl.Remark) > 0 {
		h += 6 + smallSz*lineK
	}
	return h
}

func (r *renderer) closing(y float64) error {
	lh := bodySize * lineK
	y += 6
	r.pdf.SetTextColor(0, 0, 0)
	for _, t := range r.totalsLines() {
		size := bodySize + 1
		w := r.fs.width(r.fs.norm(t), size)
		if err := r.text(marginX+contentW-cellPad-w, y+size, t, size); err != nil {
			return err
		}
		y += lh + 2
	}
	for _, block := range [][]string{r.noteLines(), r.shipmentLines()} {
		if len(block) == 0 {
			continue
		}
		y += 6
		for _, ln := range block {
			if err := r.text(marginX, y+bodySize, ln, bodySize); err != nil {
				return err
			}
			y += lh
		}
	}
	if n := len(r.tpl.Signatures); n > 0 {
		y += signGap
		w := contentW / float64(n)
		r.pdf.SetLineWidth(0.5)
		r.pdf.SetStrokeColor(120, 120, 120)
		for i, s := range r.tpl.Signatures {
			x := marginX + float64(i)*w
			r.pdf.RectFromUpperLeftWithStyle(x, y, w, signH, "D")
			r.pdf.SetTextColor(90, 90, 90)
			if err := r.text(x+cellPad, y+cellPad+smallSz+1, s.In(r.lang), smallSz+1); err != nil {
				return err
			}
		}
		r.pdf.SetTextColor(0, 0, 0)
		y += signH
	}
	if rm := r.tpl.Remark.In(r.lang); rm != "" {
		y += 6
		r.pdf.SetTextColor(90, 90, 90)
		if err := r.text(marginX, y+smallSz, fit(r, rm, smallSz, contentW), smallSz); err != nil {
			return err
		}
		r.pdf.SetTextColor(0, 0, 0)
	}
	return nil
}

func (r *renderer) footer(n, total int) error {
	y := pageH - marginBottom
	r.pdf.SetLineWidth(0.3)
	r.pdf.SetStrokeColor(170, 170, 170)
	r.pdf.Line(marginX, y-footerH+4, pageW-marginX, y-footerH+4)
	r.pdf.SetTextColor(90, 90, 90)
	left := r.tpl.Title.In(r.lang) + " · " + r.o.Number + " · " + label(fPrinted, r.lang) + " " +
		r.req.PrintedAt.In(r.req.Location).Format("2006-01-02 15:04")
	if err := r.text(marginX, y, left, smallSz); err != nil {
		return err
	}
	p := fmt.Sprintf(label("page", r.lang), n, total)
	if err := r.text(pageW-marginX-r.fs.width(r.fs.norm(p), smallSz), y, p, smallSz); err != nil {
		return err
	}
	r.pdf.SetTextColor(0, 0, 0)
	return nil
}

// text draws s with its baseline at y, switching fonts per character as needed.
func (r *renderer) text(x, y float64, s string, size float64) error {
	s = r.fs.norm(s)
	for _, rn := range r.fs.runs(s) {
		if err := r.pdf.SetFont(rn.face.family, "", size); err != nil {
			return err
		}
		r.pdf.SetXY(x, y)
		if err := r.pdf.Text(rn.text); err != nil {
			return err
		}
		x += r.fs.width(rn.text, size)
	}
	return nil
}

// wrap breaks s into lines no wider than w: at spaces in Latin text, between any two
// CJK characters, and inside a word only when it alone is too wide. Newlines break too.
func (r *renderer) wrap(s string, size, w float64) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, r.wrapLine(r.fs.norm(para), size, w)...)
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func (r *renderer) wrapLine(s string, size, w float64) []string {
	rs := []rune(s)
	var out []string
	start, lastBreak := 0, -1
	width := 0.0
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if isCJK(c) && i > start {
			lastBreak = i // a line may break before a CJK character
		}
		cw := 0.0
		if f := r.fs.faceFor(c); f != nil {
			cw = f.advance(c) * size
		}
		if width+cw > w && i > start {
			cut := i
			if lastBreak > start {
				cut = lastBreak
			}
			out = append(out, strings.TrimRight(string(rs[start:cut]), " "))
			for cut < len(rs) && rs[cut] == ' ' {
				cut++
			}
			start, lastBreak, width = cut, -1, 0
			i = cut - 1
			continue
		}
		width += cw
		if c == ' ' || c == '@' || c == '/' || c == '-' || isCJK(c) {
			lastBreak = i + 1 // and after a space, @, /, - or a CJK character
		}
	}
	if start < len(rs) || len(out) == 0 {
		out = append(out, string(rs[start:]))
	}
	return out
}

func isCJK(c rune) bool {
	return c >= 0x2E80 && c <= 0x9FFF || c >= 0xF900 && c <= 0xFAFF || c >= 0xFF00 && c <= 0xFFEF
}

// fit shortens s with an ellipsis to fit in w.
func fit(r *renderer, s string, size, w float64) string {
	s = r.fs.norm(s)
	if r.fs.width(s, size) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && r.fs.width(string(rs)+"…", size) > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// moneyDecimals: whole numbers print without decimals when every price of the order is
// whole (as New Taiwan dollars usually are); otherwise two.
func moneyDecimals(o *Order) int {
	for _, l := range o.Lines {
		if l.Price != math.Trunc(l.Price) || l.Amount() != math.Trunc(l.Amount()) {
			return 2
		}
	}
	if o.Total != math.Trunc(o.Total) {
		return 2
	}
	if o.Currency == "TWD" || o.Currency == "JPY" || o.Currency == "" {
		return 0
	}
	return 2
}

func formatMoney(v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

func formatQty(q float64) string {
	if q == math.Trunc(q) && math.Abs(q) < 1e15 {
		return formatMoney(q, 0)
	}
	return strconv.FormatFloat(q, 'f', -1, 64)
}
