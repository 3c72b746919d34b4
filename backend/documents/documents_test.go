package documents

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"

	"sluice/backend/documents/pdfcheck"
	"sluice/schemas"
)

// sample reads a demo order body from schemas/examples/orders.
func sample(t *testing.T, file, number string) Order {
	t.Helper()
	b, err := fs.ReadFile(schemas.Examples(), "orders/"+file)
	require.NoError(t, err)
	var body struct {
		Data map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal(b, &body))
	o := Order{ID: 1, Number: number, Status: "approved", Department: "sales", Submitter: "clerk",
		CreatedAt: time.Date(2026, 7, 1, 2, 30, 0, 0, time.UTC)}
	FromData(&o, body.Data)
	return o
}

// keep writes the PDF under $SLUICE_KEEP_PDF (when set) to look at.
func keep(t *testing.T, name string, b []byte) {
	if dir := os.Getenv("SLUICE_KEEP_PDF"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
}

func TestEveryDocumentOfEveryDemoOrder(t *testing.T) {
	orders := map[string]string{"large-vip.json": "伺服馬達", "small-standard.json": "深溝滾珠軸承", "shortage-new.json": "近接開關"}
	titles := map[string]string{OrderSheet: "訂", PackingSlip: "裝箱單", DeliveryNote: "出貨單"}
	i := 0
	for file, product := range orders {
		i++
		number := fmt.Sprintf("SO-20260701-%06d", i)
		o := sample(t, file, number)
		for _, doc := range Names {
			t.Run(file+"/"+doc, func(t *testing.T) {
				res, err := Render(Request{Document: doc, Orders: []Order{o}})
				require.NoError(t, err)
				require.True(t, strings.HasPrefix(string(res.PDF), "%PDF-"))
				keep(t, strings.TrimSuffix(file, ".json")+"-"+doc+".pdf", res.PDF)
				require.Equal(t, []int{1}, res.Pages)
				text, err := pdfcheck.Text(res.PDF)
				require.NoError(t, err)
				for _, want := range []string{number, product, titles[doc], "水閘貿易股份有限公司", o.Lines[0].SKU, "第 1 / 1 頁"} {
					require.Contains(t, text, want)
				}
				if doc == OrderSheet {
					require.Contains(t, text, formatMoney(o.Total, moneyDecimals(&o)))
				}
				codes := decodeCodes(t, res.PDF)
				require.Equal(t, []string{"qr:" + number, "code128:" + number}, codes)
			})
		}
	}
}

// decodeCodes finds the images of a PDF and decodes each as a QR code or a Code 128
// barcode.
func decodeCodes(t *testing.T, pdf []byte) []string {
	t.Helper()
	imgs, err := pdfcheck.Images(pdf)
	require.NoError(t, err)
	// The extracted images are the codes alone (no photo of a page): decode them as
	// such. (gozxing's finder-pattern search misses some version-1 codes otherwise.)
	pure := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true}
	var out []string
	for _, img := range imgs {
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		require.NoError(t, err)
		if res, err := qrcode.NewQRCodeReader().Decode(bmp, pure); err == nil {
			out = append(out, "qr:"+res.GetText())
			continue
		}
		res, err := oned.NewCode128Reader().Decode(bmp, pure)
		require.NoError(t, err, "an image that is neither a QR code nor a Code 128 barcode")
		out = append(out, "code128:"+res.GetText())
	}
	return out
}

func TestLanguages(t *testing.T) {
	o := sample(t, "large-vip.json", "SO-20260701-000009")
	for lang, want := range map[Lang][]string{
		ZhTW: {"訂  單", "訂單編號", "合計", "品名", "審核"},
		ZhCN: {"订  单", "订单编号", "合计", "水闸贸易股份有限公司", "第 1 / 1 页"},
		En:   {"Sales Order", "Order no.", "Total", "Sluice Trading Co., Ltd.", "Page 1 of 1", "Description"},
	} {
		res, err := Render(Request{Document: OrderSheet, Lang: lang, Orders: []Order{o}})
		require.NoError(t, err)
		require.Equal(t, []Lang{lang}, res.Langs)
		keep(t, "lang-"+string(lang)+".pdf", res.PDF)
		text, err := pdfcheck.Text(res.PDF)
		require.NoError(t, err)
		for _, w := range want {
			require.Contains(t, text, w, lang)
		}
		require.Contains(t, text, "伺服馬達", "item names print as entered")
	}
	// The order's own language applies when the request names none.
	o.Lang = En
	res, err := Render(Request{Document: PackingSlip, Orders: []Order{o}})
	require.NoError(t, err)
	text, _ := pdfcheck.Text(res.PDF)
	require.Contains(t, text, "Packing Slip")
}

func TestLongOrderBreaksPages(t *testing.T) {
	o := sample(t, "large-vip.json", "SO-20260701-000100")
	base := o.Lines
	o.Lines = nil
	for i := 0; i < 90; i++ {
		l := base[i%len(base)]
		l.Name = fmt.Sprintf("%s 第%d批", l.Name, i+1)
		if i == 40 {
			l.Name = strings.Repeat("超長品名測試", 12) // wraps over several lines
		}
		o.Lines = append(o.Lines, l)
	}
	o.Total = 0
	for _, l := range o.Lines {
		o.Total += l.Amount()
	}
	for _, doc := range Names {
		res, err := Render(Request{Document: doc, Orders: []Order{o}})
		require.NoError(t, err)
		keep(t, "long-"+doc+".pdf", res.PDF)
		pages, err := pdfcheck.Pages(res.PDF)
		require.NoError(t, err)
		require.Len(t, pages, res.Pages[0])
		require.GreaterOrEqual(t, len(pages), 3, doc)
		for n, p := range pages {
			require.Contains(t, p, fmt.Sprintf("第 %d / %d 頁", n+1, len(pages)))
			require.Contains(t, p, "品名", "the table header repeats on page %d", n+1)
			require.Contains(t, p, o.Number)
		}
		require.Contains(t, pages[0], "第1批")
		require.Contains(t, pages[len(pages)-1], "第90批")
		require.Contains(t, strings.Join(pages, ""), "超長品名測試超長")
		require.Contains(t, pages[len(pages)-1], "總數量", "totals close the last page")
	}
}

func TestBatchIsOnePDF(t *testing.T) {
	var orders []Order
	for i, f := range []string{"large-vip.json", "small-standard.json", "shortage-new.json", "large-vip.json"} {
		orders = append(orders, sample(t, f, fmt.Sprintf("SO-20260701-%06d", 200+i)))
	}
	res, err := Render(Request{Document: DeliveryNote, Orders: orders})
	require.NoError(t, err)
	keep(t, "batch.pdf", res.PDF)
	pages, err := pdfcheck.Pages(res.PDF)
	require.NoError(t, err)
	require.Len(t, res.Pages, len(orders))
	sum := 0
	for _, n := range res.Pages {
		sum += n
	}
	require.Len(t, pages, sum)
	require.GreaterOrEqual(t, len(pages), len(orders))
	at := 0
	for i, o := range orders {
		require.Contains(t, pages[at], o.Number, "order %d starts a page", i)
		at += res.Pages[i]
	}
	codes := decodeCodes(t, res.PDF)
	for _, o := range orders {
		require.Contains(t, codes, "qr:"+o.Number)
	}
}

func TestCompanyHeaderAndOddText(t *testing.T) {
	o := sample(t, "small-standard.json", "SO-20260701-000300")
	o.Note = "第一行\n第二行\twith tab; emoji 🙂 and ¥ ￥ €"
	o.Lines[0].Name = "简体品名 软件 与 繁體 軟體"
	var c Company
	require.NoError(t, json.Unmarshal([]byte(`{"name": "測試公司", "address": {"zh-TW": "高雄市前鎮區", "en": "Kaohsiung"}, "phone": "07-1234567", "tax_id": "87654321"}`), &c))
	res, err := Render(Request{Document: OrderSheet, Company: c, Orders: []Order{o}})
	require.NoError(t, err)
	text, err := pdfcheck.Text(res.PDF)
	require.NoError(t, err)
	for _, w := range []string{"測試公司", "高雄市前鎮區", "07-1234567", "87654321", "第一行", "第二行", "简体品名 软件", "繁體 軟體", "¥ ￥ €"} {
		require.Contains(t, text, w)
	}
	require.NotContains(t, text, "水閘貿易")
	res, err = Render(Request{Document: OrderSheet, Company: c, Lang: En, Orders: []Order{o}})
	require.NoError(t, err)
	text, _ = pdfcheck.Text(res.PDF)
	require.Contains(t, text, "Kaohsiung")
	require.Contains(t, text, "測試公司", "a plain-string name is every language's")
}

func TestBadRequests(t *testing.T) {
	_, err := Render(Request{Document: "invoice", Orders: []Order{{Number: "X"}}})
	require.ErrorIs(t, err, ErrUnknownDocument)
	_, err = Render(Request{Document: OrderSheet})
	require.Error(t, err)
	// an order without lines still prints
	res, err := Render(Request{Document: OrderSheet, Orders: []Order{{Number: "SO-EMPTY-1"}}})
	require.NoError(t, err)
	text, _ := pdfcheck.Text(res.PDF)
	require.Contains(t, text, "SO-EMPTY-1")
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"zh-TW": ZhTW, "zh_tw": ZhTW, "zh-Hant": ZhTW, "ZH-CN": ZhCN, "zh-Hans": ZhCN, "en": En, "en-US": En} {
		got, ok := ParseLang(in)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "fr", "zh", "english"} {
		_, ok := ParseLang(in)
		require.False(t, ok, in)
	}
}

func TestFormat(t *testing.T) {
	require.Equal(t, "1,234,567", formatMoney(1234567, 0))
	require.Equal(t, "-1,000.50", formatMoney(-1000.5, 2))
	require.Equal(t, "999", formatMoney(999, 0))
	require.Equal(t, "2.5", formatQty(2.5))
	require.Equal(t, "12", formatQty(12))
}

// Renders share the parsed fonts; run them concurrently under -race.
func TestConcurrentRenders(t *testing.T) {
	o := sample(t, "large-vip.json", "SO-20260701-000400")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Render(Request{Document: Names[i%3], Orders: []Order{o}})
			if err == nil {
				var text string
				text, err = pdfcheck.Text(res.PDF)
				if err == nil && !strings.Contains(text, "伺服馬達") {
					err = fmt.Errorf("render %d lacks the product name", i)
				}
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
}
