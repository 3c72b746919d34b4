package intake

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/saintfish/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"sluice/backend/i18n"
)

// Text encodings a CSV file may be in. Excel saves "CSV" in the system's legacy code
// page — Big5 (cp950) on Traditional Chinese Windows, GBK on Simplified — and "Unicode
// text" in UTF-16; only "CSV UTF-8" is UTF-8.
const (
	UTF8    = "utf-8"
	UTF16   = "utf-16"
	Big5    = "big5"
	GB18030 = "gb18030" // a superset of GBK and GB2312
)

// Encodings lists the names an upload may give (besides "" or "auto": detect).
var Encodings = []string{UTF8, UTF16, Big5, GB18030}

// encodingAliases maps other common names to ours.
var encodingAliases = map[string]string{
	"utf8": UTF8, "utf-16le": UTF16, "utf16": UTF16, "cp950": Big5, "big5-hkscs": Big5,
	"gbk": GB18030, "gb2312": GB18030, "cp936": GB18030,
}

// CheckEncoding normalises an encoding name ("" for auto) or says which are known.
func CheckEncoding(name string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := encodingAliases[n]; ok {
		n = a
	}
	if n == "" || n == "auto" {
		return "", nil
	}
	if !slices.Contains(Encodings, n) {
		return "", fault("encoding.unknown", i18n.Params{"Encoding": shown(name), "Encodings": strings.Join(Encodings, ", ")})
	}
	return n, nil
}

// decodeText turns a CSV file's bytes into UTF-8. With enc "" it detects: a byte-order
// mark decides; else valid UTF-8 is UTF-8; else the file is Big5 or GB18030, whichever
// a statistical detector (ICU's, in github.com/saintfish/chardet: frequent characters of
// each) ranks first and decodes without an invalid sequence — Big5 first when it cannot
// tell, for Traditional Chinese users come first. It returns the encoding used.
func decodeText(b []byte, enc string) ([]byte, string, error) {
	bom := func(p []byte) bool { return bytes.HasPrefix(b, p) }
	switch {
	case enc == "" && bom([]byte("\xef\xbb\xbf")), enc == UTF8:
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		if !utf8.Valid(b) {
			return nil, "", fault("file.not_utf8", nil)
		}
		return b, UTF8, nil
	case enc == "" && (bom([]byte("\xff\xfe")) || bom([]byte("\xfe\xff"))), enc == UTF16:
		// The byte-order mark says which end first; without one, little-endian (Windows).
		out, err := strictDecode(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), b)
		if err != nil {
			return nil, "", fault("file.not_utf16", i18n.Params{"Reason": reason(err)})
		}
		return out, UTF16, nil
	case enc == Big5 || enc == GB18030:
		out, err := strictDecode(legacy(enc), b)
		if err != nil {
			return nil, "", fault("file.not_in_encoding", i18n.Params{"Encoding": enc, "Reason": reason(err)})
		}
		return out, enc, nil
	case utf8.Valid(b):
		return b, UTF8, nil
	}
	for _, cand := range rankLegacy(b) {
		if out, err := strictDecode(legacy(cand), b); err == nil {
			return out, cand, nil
		}
	}
	return nil, "", fault("file.encoding_unknown", nil)
}

func legacy(enc string) encoding.Encoding {
	if enc == GB18030 {
		return simplifiedchinese.GB18030
	}
	return traditionalchinese.Big5
}

// rankLegacy orders Big5 and GB18030 by how likely the detector finds them for b.
func rankLegacy(b []byte) []string {
	order := []string{Big5, GB18030}
	rs, err := chardet.NewTextDetector().DetectAll(b[:min(len(b), 64<<10)]) // enough to tell, and bounded
	if err != nil {
		return order
	}
	for _, r := range rs { // best first
		switch r.Charset {
		case "GB-18030":
			return []string{GB18030, Big5}
		case "Big5":
			return order
		}
	}
	return order
}

// strictDecode decodes b, failing where x/text would put a replacement character for an
// invalid sequence (a guessed encoding that does not fit must not yield mojibake).
func strictDecode(e encoding.Encoding, b []byte) ([]byte, error) {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexRune(out, utf8.RuneError); i >= 0 {
		line := bytes.Count(out[:i], []byte("\n")) + 1
		return nil, fault("file.invalid_bytes", i18n.Params{"Line": line})
	}
	return out, nil
}
