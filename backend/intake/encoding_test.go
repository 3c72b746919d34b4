package intake

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// What Excel writes when a Traditional or Simplified Chinese user saves "CSV": the
// system's code page; "Unicode text": UTF-16 with a byte-order mark.
const (
	twCSV = "客戶名稱,客戶等級,送貨地址,幣別,承諾交期,料號,品名,數量,單價\n" +
		"大同機械股份有限公司,standard,高雄市三民區建工路 72 號,TWD,2026-08-15,BRG-6204,深溝滾珠軸承,10,85\n" +
		"新竹精密工業,gold,新竹市東區光復路二段 101 號,TWD,2026-08-20,SCR-M8,不鏽鋼螺絲,500,2\n"
	cnCSV = "客户名称,客户等级,送货地址,币别,承诺交期,料号,品名,数量,单价\n" +
		"广州机械有限公司,standard,广州市天河区体育西路 72 号,CNY,2026-08-15,BRG-6204,深沟球轴承,10,85\n" +
		"苏州精密工业,gold,苏州市工业园区星湖街 101 号,CNY,2026-08-20,SCR-M8,不锈钢螺丝,500,2\n"
)

func encode(t *testing.T, e encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := e.NewEncoder().Bytes([]byte(s))
	require.NoError(t, err)
	return b
}

func TestReadCSVEncodings(t *testing.T) {
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	cases := []struct {
		name, enc string
		file      []byte
		want      string // the text read; "" when an error is expected
		used      string
		err       string
	}{
		{"utf-8", "", []byte(twCSV), twCSV, UTF8, ""},
		{"utf-8 with a BOM", "", append([]byte("\xef\xbb\xbf"), twCSV...), twCSV, UTF8, ""},
		{"utf-16 little-endian with a BOM", "", encode(t, utf16le, twCSV), twCSV, UTF16, ""},
		{"utf-16 big-endian with a BOM", "", encode(t, utf16be, cnCSV), cnCSV, UTF16, ""},
		{"big5 detected", "", encode(t, traditionalchinese.Big5, twCSV), twCSV, Big5, ""},
		{"gb18030 detected", "", encode(t, simplifiedchinese.GB18030, cnCSV), cnCSV, GB18030, ""},
		{"gbk is gb18030", "", encode(t, simplifiedchinese.GBK, cnCSV), cnCSV, GB18030, ""},
		{"big5 named", Big5, encode(t, traditionalchinese.Big5, twCSV), twCSV, Big5, ""},
		{"gb18030 named for traditional text", GB18030, encode(t, simplifiedchinese.GB18030, twCSV), twCSV, GB18030, ""},
		{"utf-8 named, big5 given", UTF8, encode(t, traditionalchinese.Big5, twCSV), "", "", "not valid UTF-8"},
		{"big5 named, not big5", Big5, []byte("a,b\n\x80,1\n"), "", "", "not valid big5 text: invalid bytes on line 2"},
		{"no encoding fits", "", []byte("a,b\n\xff\xfe\xff,\xff\n"), "", "", "not UTF-8, Big5 or GB18030"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, used, err := decodeText(c.file, c.enc)
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, string(got))
			require.Equal(t, c.used, used)
			tab, err := ReadCSV(c.file, c.enc)
			require.NoError(t, err)
			require.Equal(t, c.used, tab.Encoding)
			require.Equal(t, strings.Split(strings.SplitN(c.want, "\n", 2)[0], ","), tab.Header)
			require.Len(t, tab.Rows, 2)
		})
	}
}

func TestCheckEncoding(t *testing.T) {
	for in, want := range map[string]string{"": "", "auto": "", " AUTO ": "", "utf-8": UTF8, "UTF8": UTF8, "cp950": Big5,
		"Big5": Big5, "gbk": GB18030, "GB2312": GB18030, "gb18030": GB18030, "utf-16le": UTF16} {
		got, err := CheckEncoding(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := CheckEncoding("shift_jis")
	require.ErrorContains(t, err, `unknown encoding "shift_jis"`)
}
