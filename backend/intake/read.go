package intake

import (
	"bytes"
	"encoding/csv"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"sluice/backend/i18n"
)

// MaxRows bounds a file's data rows: an import is a batch, not a data migration.
const MaxRows = 20000

// ReadFile reads a CSV or XLSX file; the content decides (an XLSX is a zip), the name
// only breaks a tie, because browsers and users mislabel files. enc is a CSV file's text
// encoding (see CheckEncoding; "" detects it).
func ReadFile(name string, b []byte, enc string) (*Table, error) {
	if bytes.HasPrefix(b, []byte("PK\x03\x04")) {
		return ReadXLSX(b)
	}
	if strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		return nil, fault("file.xlsx_not_excel", nil)
	}
	return ReadCSV(b, enc)
}

// ReadCSV reads comma- (or semicolon-, tab-) separated text in enc ("" detects it: see
// decodeText); the table records the encoding it was read in.
func ReadCSV(b []byte, enc string) (*Table, error) {
	b, used, err := decodeText(b, enc)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = sniffComma(b)
	r.FieldsPerRecord = -1 // short rows are common after editing; missing cells are empty
	// encoding/csv skips blank lines, while a spreadsheet shows them as rows: records are
	// put back at the row a spreadsheet would give them (their line, less the extra lines
	// of earlier cells that hold line breaks), so row numbers in errors match what people see.
	var rows [][]string
	extra := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fault("file.csv_unreadable", i18n.Params{"Error": err.Error()})
		}
		line, _ := r.FieldPos(0)
		for len(rows) < line-1-extra {
			rows = append(rows, nil)
		}
		rows = append(rows, rec)
		for _, c := range rec {
			extra += strings.Count(c, "\n")
		}
		if len(rows) > MaxRows+1 {
			return nil, fault("file.too_many_rows", i18n.Params{"Max": MaxRows})
		}
	}
	t, err := table(rows)
	if t != nil {
		t.Encoding = used
	}
	return t, err
}

// sniffComma picks the separator the header line uses most.
func sniffComma(b []byte) rune {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	best, n := ',', bytes.Count(line, []byte(","))
	for _, c := range []rune{';', '\t'} {
		if k := bytes.Count(line, []byte(string(c))); k > n {
			best, n = c, k
		}
	}
	return best
}

// ReadXLSX reads the first sheet of a workbook. Cells are read raw (unformatted) so a
// number formatted "1,200.00" reads 1200 and a date cell reads its serial day, which
// Convert turns into a date for date fields.
func ReadXLSX(b []byte) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fault("file.excel_unreadable", i18n.Params{"Error": err.Error()})
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fault("file.excel_no_sheet", nil)
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fault("file.excel_unreadable", i18n.Params{"Error": err.Error()})
	}
	return table(rows)
}

// table finds the header (the first non-blank row) and keeps the non-blank rows after
// it, remembering their spreadsheet row numbers.
func table(rows [][]string) (*Table, error) {
	h := -1
	for i, r := range rows {
		if !blank(r) {
			h = i
			break
		}
	}
	if h < 0 {
		return nil, fault("file.empty", nil)
	}
	t := &Table{First: h + 2}
	for _, c := range rows[h] {
		t.Header = append(t.Header, strings.TrimSpace(c))
	}
	// Blank rows stay in Rows (Build skips them) so every row keeps its spreadsheet
	// number; trailing ones are dropped.
	data := rows[h+1:]
	for len(data) > 0 && blank(data[len(data)-1]) {
		data = data[:len(data)-1]
	}
	if len(data) > MaxRows {
		return nil, fault("file.rows_over", i18n.Params{"Rows": len(data), "Max": MaxRows})
	}
	t.Rows = data
	return t, nil
}

func blank(r []string) bool {
	for _, c := range r {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
