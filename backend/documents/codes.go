package documents

import (
	"fmt"
	"image"
	"image/color"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/qr"
)

// QRImage is a QR code of s as an 8-bit grey image: px pixels per module and the
// four-module quiet zone the standard asks for. (boombuler/barcode answers 16-bit grey,
// which the PDF library would not take as is.)
func QRImage(s string, px int) (*image.Gray, error) {
	c, err := qr.Encode(s, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("documents: qr: %w", err)
	}
	return toGray(c, px, px, 4, 4), nil
}

// Code128Image is a Code 128 barcode of s: px pixels per module, h pixels high, with a
// ten-module quiet zone left and right.
func Code128Image(s string, px, h int) (*image.Gray, error) {
	c, err := code128.Encode(s)
	if err != nil {
		return nil, fmt.Errorf("documents: code128: %w", err)
	}
	return toGray(c, px, h, 10, 0), nil
}

// toGray draws each module of the code px pixels wide and rowH pixels high (a
// one-row barcode is then rowH high), with qx quiet modules left and right and qy rows
// above and below.
func toGray(c barcode.Barcode, px, rowH, qx, qy int) *image.Gray {
	b := c.Bounds()
	w, h := b.Dx(), b.Dy()
	img := image.NewGray(image.Rect(0, 0, (w+2*qx)*px, h*rowH+2*qy*rowH))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if color.GrayModel.Convert(c.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y >= 0x80 {
				continue
			}
			for dy := 0; dy < rowH; dy++ {
				off := img.PixOffset((qx+x)*px, (qy*rowH)+y*rowH+dy)
				for dx := 0; dx < px; dx++ {
					img.Pix[off+dx] = 0
				}
			}
		}
	}
	return img
}
