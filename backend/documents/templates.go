package documents

// Document names, also the names under GET /orders/{id}/documents/{name}.pdf.
const (
	OrderSheet   = "order"
	PackingSlip  = "packing-slip"
	DeliveryNote = "delivery-note"
)

// Names lists the documents in the order a print run produces them.
var Names = []string{OrderSheet, PackingSlip, DeliveryNote}

// Template says what one document shows; the renderer lays it out. Templates are plain
// data: adding a document is adding a value here.
type Template struct {
	Name  string
	Title Text
	// Fields are the order's details printed under the title, in two columns.
	Fields []string
	// Columns of the item table; widths are shares of the table's width.
	Columns []Column
	// Totals: "amount" prints the order total, "qty" the total quantity.
	Totals []string
	Note   bool
	// QR prints a QR code of the order number in the header; Barcode a Code 128 barcode
	// of it beside the details.
	QR, Barcode bool
	// Signatures are the boxes at the end (who prepared, checked, received …).
	Signatures []Text
	// Remark is a line of small print under the signatures.
	Remark Text
	// Tracking lists the order's shipments (number, carrier, tracking number) under
	// the items.
	Tracking bool
}

// Column is one column of the item table.
type Column struct {
	Key   string // no, sku, name, qty, price, amount, check, blank
	Label Text
	Width float64
	Right bool // right-aligned (numbers)
}

// Field keys of Template.Fields.
const (
	fNumber    = "number"
	fDate      = "date"
	fStatus    = "status"
	fCustomer  = "customer"
	fContact   = "contact"
	fShipTo    = "ship_to"
	fPromised  = "promised_date"
	fCurrency  = "currency"
	fHandledBy = "handled_by"
	fPrinted   = "printed_at"
)

var (
	colNo     = Column{Key: "no", Label: Text{ZhTW: "項次", ZhCN: "序号", En: "#"}, Width: 0.06}
	colSKU    = Column{Key: "sku", Label: Text{ZhTW: "料號", ZhCN: "料号", En: "SKU"}, Width: 0.17}
	colQty    = Column{Key: "qty", Label: Text{ZhTW: "數量", ZhCN: "数量", En: "Qty"}, Width: 0.09, Right: true}
	colPrice  = Column{Key: "price", Label: Text{ZhTW: "單價", ZhCN: "单价", En: "Unit price"}, Width: 0.14, Right: true}
	colAmount = Column{Key: "amount", Label: Text{ZhTW: "金額", ZhCN: "金额", En: "Amount"}, Width: 0.16, Right: true}
)

func colName(w float64) Column {
	return Column{Key: "name", Label: Text{ZhTW: "品名", ZhCN: "品名", En: "Description"}, Width: w}
}

// Templates are the built-in documents by name.
var Templates = map[string]Template{
	OrderSheet: {
		Name:       OrderSheet,
		Title:      Text{ZhTW: "訂單", ZhCN: "订单", En: "Sales Order"},
		Fields:     []string{fNumber, fDate, fCustomer, fStatus, fContact, fPromised, fShipTo, fCurrency, fHandledBy, fPrinted},
		Columns:    []Column{colNo, colSKU, colName(0.38), colQty, colPrice, colAmount},
		Totals:     []string{"qty", "amount"},
		Note:       true,
		QR:         true,
		Barcode:    true,
		Signatures: []Text{{ZhTW: "承辦", ZhCN: "经办", En: "Prepared by"}, {ZhTW: "審核", ZhCN: "审核", En: "Approved by"}, {ZhTW: "客戶確認", ZhCN: "客户确认", En: "Customer"}},
	},
	PackingSlip: {
		Name:    PackingSlip,
		Title:   Text{ZhTW: "裝箱單", ZhCN: "装箱单", En: "Packing Slip"},
		Fields:  []string{fNumber, fDate, fCustomer, fPromised, fShipTo, fPrinted},
		Columns: []Column{colNo, colSKU, colName(0.46), colQty, {Key: "check", Label: Text{ZhTW: "已揀", ZhCN: "已拣", En: "Picked"}, Width: 0.10}, {Key: "blank", Label: Text{ZhTW: "箱號", ZhCN: "箱号", En: "Box"}, Width: 0.12}},
		Totals:  []string{"qty"},
		Note:    true,
		QR:      true,
		Barcode: true,
		Signatures: []Text{{ZhTW: "揀貨", ZhCN: "拣货", En: "Picked by"}, {ZhTW: "覆核", ZhCN: "复核", En: "Checked by"},
			{ZhTW: "包裝", ZhCN: "包装", En: "Packed by"}},
	},
	DeliveryNote: {
		Name:       DeliveryNote,
		Title:      Text{ZhTW: "出貨單", ZhCN: "送货单", En: "Delivery Note"},
		Fields:     []string{fNumber, fDate, fCustomer, fPromised, fContact, fPrinted, fShipTo},
		Columns:    []Column{colNo, colSKU, colName(0.44), colQty, {Key: "blank", Label: Text{ZhTW: "實收", ZhCN: "实收", En: "Received"}, Width: 0.12}, {Key: "blank", Label: Text{ZhTW: "備註", ZhCN: "备注", En: "Remarks"}, Width: 0.12}},
		Totals:     []string{"qty"},
		Note:       true,
		QR:         true,
		Barcode:    true,
		Signatures: []Text{{ZhTW: "送貨人", ZhCN: "送货人", En: "Delivered by"}, {ZhTW: "收貨人簽收", ZhCN: "收货人签收", En: "Received by (signature)"}, {ZhTW: "簽收日期", ZhCN: "签收日期", En: "Date received"}},
		Tracking:   true,
		Remark:     Text{ZhTW: "貨品如有短缺或損壞，請於簽收後三日內通知本公司。", ZhCN: "货品如有短缺或损坏，请于签收后三日内通知本公司。", En: "Please report any shortage or damage within three days of receipt."},
	},
}

// labels are the words around the data.
var labels = map[string]Text{
	fNumber:     {ZhTW: "訂單編號", ZhCN: "订单编号", En: "Order no."},
	fDate:       {ZhTW: "訂單日期", ZhCN: "订单日期", En: "Order date"},
	fStatus:     {ZhTW: "狀態", ZhCN: "状态", En: "Status"},
	fCustomer:   {ZhTW: "客戶", ZhCN: "客户", En: "Customer"},
	fContact:    {ZhTW: "聯絡方式", ZhCN: "联系方式", En: "Contact"},
	fShipTo:     {ZhTW: "收貨地址", ZhCN: "收货地址", En: "Ship to"},
	fPromised:   {ZhTW: "承諾交期", ZhCN: "承诺交期", En: "Promised date"},
	fCurrency:   {ZhTW: "幣別", ZhCN: "币种", En: "Currency"},
	fHandledBy:  {ZhTW: "承辦", ZhCN: "经办", En: "Handled by"},
	fPrinted:    {ZhTW: "列印時間", ZhCN: "打印时间", En: "Printed"},
	"total":     {ZhTW: "合計", ZhCN: "合计", En: "Total"},
	"total_qty": {ZhTW: "總數量", ZhCN: "总数量", En: "Total quantity"},
	"note":      {ZhTW: "備註", ZhCN: "备注", En: "Note"},
	"page":      {ZhTW: "第 %d / %d 頁", ZhCN: "第 %d / %d 页", En: "Page %d of %d"},
	"phone":     {ZhTW: "電話", ZhCN: "电话", En: "Tel"},
	"tax_id":    {ZhTW: "統一編號", ZhCN: "统一编号", En: "Tax ID"},
	"continued": {ZhTW: "（續）", ZhCN: "（续）", En: " (continued)"},
	"shipments": {ZhTW: "出貨紀錄", ZhCN: "发货记录", En: "Shipments"},
	"tracking":  {ZhTW: "追蹤號碼", ZhCN: "追踪号码", En: "Tracking no."},
}

var statusLabels = map[string]Text{
	"in_review": {ZhTW: "審核中", ZhCN: "审核中", En: "In review"},
	"approved":  {ZhTW: "已核准", ZhCN: "已批准", En: "Approved"},
	"rejected":  {ZhTW: "已駁回", ZhCN: "已驳回", En: "Rejected"},
	"withdrawn": {ZhTW: "已撤回", ZhCN: "已撤回", En: "Withdrawn"},
	"cancelled": {ZhTW: "已取消", ZhCN: "已取消", En: "Cancelled"},
	"completed": {ZhTW: "已完成", ZhCN: "已完成", En: "Completed"},
}

func label(key string, l Lang) string { return labels[key].In(l) }

func statusLabel(s string, l Lang) string {
	if t, ok := statusLabels[s]; ok {
		return t.In(l)
	}
	return s
}
