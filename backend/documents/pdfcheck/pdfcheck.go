// Package pdfcheck reads back what tests need from a PDF: its text (through the fonts'
// ToUnicode maps, as a copy-paste or a search in a viewer would) with a pure-Go reader,
// and its images, so a test can decode a printed QR code or barcode. It is for tests.
package pdfcheck

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Pages returns the text of each page in drawing order. The reader ends every text
// object with a newline, and a line drawn in two fonts is two objects, so newlines are
// dropped: "第 1 / 2 頁" reads back whole (and neighbouring cells run together).
func Pages(b []byte) (pages []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pdfcheck: the reader panicked: %v", p)
		}
	}()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, fmt.Errorf("pdfcheck: %w", err)
	}
	for i := 1; i <= r.NumPage(); i++ {
		t, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			return nil, fmt.Errorf("pdfcheck: page %d: %w", i, err)
		}
		pages = append(pages, strings.ReplaceAll(t, "\n", ""))
	}
	return pages, nil
}

// Text returns the text of every page, pages separated by a form feed.
func Text(b []byte) (string, error) {
	ps, err := Pages(b)
	return strings.Join(ps, "\f"), err
}

var imageObj = regexp.MustCompile(`(?s)(\d+) 0 obj\s*<<(.*?)>>\s*stream\r?\n`)

// Images decodes the 8-bit greyscale and RGB Flate images of the PDF (as gopdf writes
// them: PNG rows with their filter bytes, Predictor 15), in file order.
func Images(b []byte) ([]image.Image, error) {
	var out []image.Image
	for _, m := range imageObj.FindAllSubmatchIndex(b, -1) {
		dict := string(b[m[4]:m[5]])
		if !strings.Contains(dict, "/Subtype /Image") {
			continue
		}
		w, h := intKey(dict, "Width"), intKey(dict, "Height")
		n := intKey(dict, "Length")
		bpc := intKey(dict, "BitsPerComponent")
		if w <= 0 || h <= 0 || n <= 0 || bpc != 8 || !strings.Contains(dict, "/FlateDecode") {
			continue
		}
		colorType := byte(0)
		switch {
		case strings.Contains(dict, "/DeviceGray"):
		case strings.Contains(dict, "/DeviceRGB"):
			colorType = 2
		default:
			continue
		}
		data := b[m[1] : m[1]+n]
		var img image.Image
		var err error
		if strings.Contains(dict, "/Predictor") {
			img, err = fromPNGRows(data, w, h, colorType)
		} else {
			img, err = fromRaw(data, w, h, colorType)
		}
		if err != nil {
			return nil, fmt.Errorf("pdfcheck: image object %s: %w", b[m[2]:m[3]], err)
		}
		out = append(out, img)
	}
	return out, nil
}

func intKey(dict, key string) int {
	m := regexp.MustCompile(`/` + key + `\s+(\d+)`).FindStringSubmatch(dict)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// fromPNGRows wraps the zlib stream of filtered rows in a PNG file and decodes it.
func fromPNGRows(data []byte, w, h int, colorType byte) (image.Image, error) {
	var f bytes.Buffer
	f.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, colorType
	chunk(&f, "IHDR", ihdr)
	chunk(&f, "IDAT", data)
	chunk(&f, "IEND", nil)
	return png.Decode(&f)
}

func chunk(w *bytes.Buffer, typ string, data []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(data)))
	w.Write(n[:])
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	w.WriteString(typ)
	w.Write(data)
	binary.BigEndian.PutUint32(n[:], crc.Sum32())
	w.Write(n[:])
}

func fromRaw(data []byte, w, h int, colorType byte) (image.Image, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	if colorType == 0 {
		if len(raw) < w*h {
			return nil, fmt.Errorf("short image data")
		}
		return &image.Gray{Pix: raw[:w*h], Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	}
	if len(raw) < 3*w*h {
		return nil, fmt.Errorf("short image data")
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = raw[3*i], raw[3*i+1], raw[3*i+2], 0xff
	}
	return img, nil
}
