package intake

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteTemplate writes an empty workbook whose header row holds the mapping's columns,
// with a drop-down on columns whose field has a fixed list of values, so what people
// type matches the form.
func WriteTemplate(w io.Writer, m *TableMapping, s *Schema) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	cols := m.Columns(s)
	enums := m.enumsByColumn(s)
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, c := range cols {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		if err := f.SetCellValue(sheet, ref, c); err != nil {
			return err
		}
		name, _ := excelize.ColumnNumberToName(i + 1)
		_ = f.SetColWidth(sheet, name, name, float64(max(12, len([]rune(c))*2)))
		if list := enums[c]; len(list) > 0 {
			dv := excelize.NewDataValidation(true)
			dv.Sqref = fmt.Sprintf("%s2:%s%d", name, name, MaxRows+1)
			if err := dv.SetDropList(list); err == nil {
				_ = f.AddDataValidation(sheet, dv)
			}
		}
	}
	if len(cols) > 0 {
		last, _ := excelize.CoordinatesToCellName(len(cols), 1)
		_ = f.SetCellStyle(sheet, "A1", last, bold)
		_ = f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	}
	_, err = f.WriteTo(w)
	return err
}

func (m *TableMapping) enumsByColumn(s *Schema) map[string][]string {
	out := map[string][]string{}
	add := func(sch *Schema, path, col string) {
		f, err := sch.At(path)
		if err != nil {
			return
		}
		for _, e := range f.Enum {
			if v, ok := e.(string); ok {
				out[col] = append(out[col], v)
			}
		}
	}
	for p, c := range m.Fields {
		add(s, p, c)
	}
	if m.Items != nil {
		if item, why := s.arrayTarget(m.Items.Field); why == nil {
			for p, c := range m.Items.Fields {
				add(item, p, c)
			}
		}
	}
	return out
}
