package documents

import (
	_ "embed"
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"
)

// The fonts are compiled in; see fonts/README.md for their origin and licences.
var (
	//go:embed fonts/DejaVuSans.ttf
	latinTTF []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	cjkTTF []byte
)

// Font families as registered with each PDF.
const (
	famLatin = "latin"
	famCJK   = "cjk"
)

// face is one parsed font: used to choose a font per character and to measure text
// without a PDF at hand. It is only read after loading, so it is shared by every render.
type face struct {
	family   string
	sub      *gopdf.SubsetFontObj
	ascent   float64 // typographic ascender, in em
	descent  float64 // typographic descender (negative), in em
	widthMu  sync.RWMutex
	widthMap map[rune]float64 // advance in em; cached
}

func (f *face) has(r rune) bool {
	g, err := f.sub.CharCodeToGlyphIndex(r)
	return err == nil && g != 0
}

// advance is the width of r in em (0 when the font lacks it).
func (f *face) advance(r rune) float64 {
	f.widthMu.RLock()
	w, ok := f.widthMap[r]
	f.widthMu.RUnlock()
	if ok {
		return w
	}
	g, err := f.sub.CharCodeToGlyphIndex(r)
	if err == nil && g != 0 {
		w = float64(f.sub.GlyphIndexToPdfWidth(g)) / 1000
	}
	f.widthMu.Lock()
	f.widthMap[r] = w
	f.widthMu.Unlock()
	return w
}

type fontSet struct {
	container gopdf.FontContainer
	latin     *face
	cjk       *face
	pick      sync.Map // rune → *face (nil: no font has it)
}

var (
	fontsOnce sync.Once
	fontsErr  error
	theFonts  *fontSet
)

// loadFonts parses the embedded fonts once per process (about 40 ms).
func loadFonts() (*fontSet, error) {
	fontsOnce.Do(func() {
		fs := &fontSet{}
		for _, f := range []struct {
			family string
			data   []byte
			into   **face
		}{{famLatin, latinTTF, &fs.latin}, {famCJK, cjkTTF, &fs.cjk}} {
			opt := gopdf.TtfOption{OnGlyphNotFoundSubstitute: func(rune) rune { return '?' }}
			if err := fs.container.AddTTFFontDataWithOption(f.family, f.data, opt); err != nil {
				fontsErr = fmt.Errorf("documents: font %s: %w", f.family, err)
				return
			}
			sub := &gopdf.SubsetFontObj{}
			sub.SetTtfFontOption(opt)
			sub.SetFamily(f.family)
			if err := sub.SetTTFData(f.data); err != nil {
				fontsErr = fmt.Errorf("documents: font %s: %w", f.family, err)
				return
			}
			p := sub.GetTTFParser()
			em := float64(p.UnitsPerEm())
			*f.into = &face{family: f.family, sub: sub, ascent: float64(p.TypoAscender()) / em,
				descent: float64(p.TypoDescender()) / em, widthMap: map[rune]float64{}}
		}
		theFonts = fs
	})
	return theFonts, fontsErr
}

// faceFor picks the font that draws r: DejaVu for Latin and symbols, the CJK font for
// ideographs and full-width forms, whichever has the glyph otherwise; nil when neither.
func (fs *fontSet) faceFor(r rune) *face {
	if v, ok := fs.pick.Load(r); ok {
		return v.(*face)
	}
	f := fs.choose(r)
	fs.pick.Store(r, f)
	return f
}

func (fs *fontSet) choose(r rune) *face {
	if r < 0x2E80 && fs.latin.has(r) {
		return fs.latin
	}
	if fs.cjk.has(r) {
		return fs.cjk
	}
	if fs.latin.has(r) {
		return fs.latin
	}
	return nil
}

// norm makes s drawable: control characters (tabs, newlines) become spaces and
// characters no embedded font has become '?'.
func (fs *fontSet) norm(s string) string {
	ok := true
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError || fs.faceFor(r) == nil {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := make([]rune, 0, len(s))
	for _, r := range s {
		switch {
		case unicode.IsControl(r):
			r = ' '
		case r == utf8.RuneError || fs.faceFor(r) == nil:
			r = '?'
		}
		b = append(b, r)
	}
	return string(b)
}

// run is a piece of normalised text drawn with one font.
type run struct {
	face *face
	text string
}

// runs splits normalised text into pieces that one font draws each.
func (fs *fontSet) runs(s string) []run {
	var out []run
	start := 0
	var cur *face
	for i, r := range s {
		f := fs.faceFor(r)
		if cur != nil && f != cur {
			out = append(out, run{cur, s[start:i]})
			start = i
		}
		cur = f
	}
	if cur != nil && start < len(s) {
		out = append(out, run{cur, s[start:]})
	}
	return out
}

// width measures normalised text at size points.
func (fs *fontSet) width(s string, size float64) float64 {
	w := 0.0
	for _, r := range s {
		if f := fs.faceFor(r); f != nil {
			w += f.advance(r)
		}
	}
	return w * size
}
