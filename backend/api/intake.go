package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"sluice/backend/i18n"
	"sluice/backend/inbound"
	"sluice/backend/service"
)

// MaxUpload is the largest import file accepted (the rest of the API keeps MaxBody).
const MaxUpload = 16 << 20

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// readUpload reads an import's multipart form; on false it has answered.
func readUpload(c *gin.Context) (inbound.ImportRequest, bool) {
	var req inbound.ImportRequest
	if err := c.Request.ParseMultipartForm(MaxUpload); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, "problem.upload_too_large", i18n.Params{"Limit": mbe.Limit})
			return req, false
		}
		problem(c, http.StatusBadRequest, "problem.multipart_expected", nil, service.FieldErr("/file", "upload.multipart_expected", nil))
		return req, false
	}
	if !checkForm(c) {
		_ = c.Request.MultipartForm.RemoveAll()
		return req, false
	}
	req = inbound.ImportRequest{Flow: c.PostForm("flow"), Department: c.PostForm("department"), Mapping: []byte(c.PostForm("mapping")),
		Encoding: c.PostForm("encoding")}
	if fh, err := c.FormFile("file"); err == nil {
		f, err := fh.Open()
		if err == nil {
			req.File, err = io.ReadAll(f)
			_ = f.Close()
		}
		if err != nil {
			_ = c.Request.MultipartForm.RemoveAll()
			problem(c, http.StatusBadRequest, "problem.file_unreadable", nil, service.FieldErr("/file", "upload.unreadable", i18n.Params{"Error": err.Error()}))
			return req, false
		}
		req.Filename = fh.Filename
	}
	return req, true
}

// postImportPreview reads an upload as postImport does and answers its header, first
// rows and the mapping its headers suggest; it records nothing.
func (h *handlers) postImportPreview(c *gin.Context) {
	req, ok := readUpload(c)
	if !ok {
		return
	}
	defer func() { _ = c.Request.MultipartForm.RemoveAll() }()
	p, err := h.svc.PreviewImport(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// postImport takes a multipart upload: file, flow, mapping (JSON, optional),
// department (optional) and encoding (a CSV file's; optional: detected).
func (h *handlers) postImport(c *gin.Context) {
	req, ok := readUpload(c)
	if !ok {
		return
	}
	defer func() { _ = c.Request.MultipartForm.RemoveAll() }()
	job, err := h.svc.StartImport(c.Request.Context(), actor(c), req)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/imports/"+strconv.Itoa(job.ID))
	job.Localize(lang(c))
	c.JSON(http.StatusAccepted, job)
}

// checkForm refuses an upload whose text fields or file name hold what no database
// stores (NUL, invalid UTF-8) or are too long, and a mapping that is not a clean JSON
// object, as decodeStrict does for JSON bodies; pointers name the form field.
func checkForm(c *gin.Context) bool {
	form := c.Request.MultipartForm
	for _, name := range slices.Sorted(maps.Keys(form.Value)) {
		max := service.MaxQuery
		if name == "mapping" {
			max = service.MaxText
		}
		for _, v := range form.Value[name] {
			e := service.CheckText("/"+name, v, max)
			if e == nil && name == "mapping" && strings.TrimSpace(v) != "" {
				if e = service.ScanJSON([]byte(v)); e != nil {
					for i := range e.Errors {
						e.Errors[i].Pointer = "/mapping" + e.Errors[i].Pointer
					}
				}
			}
			if e != nil {
				keyedProblem(c, e.Status, e.Type, "problem.form_field_invalid", i18n.Params{"Name": name}, e.Errors...)
				return false
			}
		}
	}
	for _, fh := range form.File["file"] {
		if e := service.CheckText("/file", fh.Filename, 255); e != nil {
			keyedProblem(c, e.Status, e.Type, "problem.file_name_invalid", nil, e.Errors...)
			return false
		}
	}
	return true
}

func (h *handlers) getImports(c *gin.Context) {
	limit, ok := queryLimit(c)
	if !ok {
		return
	}
	p, err := h.svc.ListImports(c.Request.Context(), actor(c), c.Query("cursor"), limit)
	if err != nil {
		h.fail(c, err)
		return
	}
	for _, j := range p.Items {
		j.Localize(lang(c))
	}
	c.JSON(http.StatusOK, p)
}

func (h *handlers) getImport(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	j, err := h.svc.GetImport(c.Request.Context(), actor(c), id)
	if err != nil {
		h.fail(c, err)
		return
	}
	j.Localize(lang(c))
	c.JSON(http.StatusOK, j)
}

// getImportTemplate answers an empty workbook with the columns of ?mapping= (JSON) or of
// the form's default mapping.
func (h *handlers) getImportTemplate(c *gin.Context) {
	var buf bytes.Buffer
	key := c.Param("key")
	if err := h.svc.ImportTemplate(c.Request.Context(), actor(c), key, []byte(c.Query("mapping")), &buf); err != nil {
		h.fail(c, err)
		return
	}
	attachment(c, key+"-import-template.xlsx")
	c.Data(http.StatusOK, xlsxType, buf.Bytes())
}

func attachment(c *gin.Context, name string) {
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`,
		strings.Map(func(r rune) rune {
			if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
				return '_'
			}
			return r
		}, name), url.PathEscape(name)))
}

// getOrdersExport answers GET /orders's selection (same filters, all pages) as .xlsx.
func (h *handlers) getOrdersExport(c *gin.Context) {
	lang := c.Query("lang")
	if lang != "" && !slices.Contains(inbound.Langs, lang) {
		problem(c, http.StatusBadRequest, "problem.unknown_language", nil, service.FieldErr("/lang", "language.unknown", nil))
		return
	}
	if lang == "" {
		lang = acceptLanguage(c.GetHeader("Accept-Language"))
	}
	x, err := h.svc.ExportOrders(c.Request.Context(), actor(c), service.OrderFilter{Status: c.Query("status"),
		Node: c.Query("node"), Department: c.Query("department"), Q: c.Query("q")}, lang)
	if err != nil {
		h.fail(c, err)
		return
	}
	defer x.Close()
	attachment(c, "orders-"+time.Now().UTC().Format("20060102-150405")+".xlsx")
	c.Header("Content-Type", xlsxType)
	c.Status(http.StatusOK)
	if _, err := x.WriteTo(c.Writer); err != nil {
		// The status is sent; all that is left is to cut the download short.
		h.log.Warn("export: write", "err", err, "request_id", c.GetString(ctxRequestID))
	}
}

// acceptLanguage picks the best of the interface's languages from an Accept-Language
// header, by its q weights; zh-TW when nothing matches.
func acceptLanguage(header string) string {
	best, bestQ := inbound.Langs[0], 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		lang := ""
		switch t := strings.ToLower(tag); {
		case t == "zh-cn" || t == "zh-sg" || strings.HasPrefix(t, "zh-hans"):
			lang = "zh-CN"
		case strings.HasPrefix(t, "zh"):
			lang = "zh-TW"
		case strings.HasPrefix(t, "en"):
			lang = "en"
		}
		if lang != "" && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}

func (h *handlers) getChannels(c *gin.Context) {
	cs, err := h.svc.ListChannels(c.Request.Context(), actor(c))
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": cs})
}

func (h *handlers) postChannel(c *gin.Context) {
	var in inbound.ChannelInput
	if !bind(c, &in) {
		return
	}
	ch, err := h.svc.CreateChannel(c.Request.Context(), actor(c), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/channels/"+ch.Key)
	c.JSON(http.StatusCreated, ch)
}

func (h *handlers) putChannel(c *gin.Context) {
	var in inbound.ChannelInput
	if !bind(c, &in) {
		return
	}
	ch, err := h.svc.UpdateChannel(c.Request.Context(), actor(c), c.Param("key"), in)
	if err != nil {
		h.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, ch)
}

// postChannelOrder is a shop's webhook: no session, the HMAC signature is the only
// credential, checked over the exact bytes received.
func (h *handlers) postChannelOrder(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			problem(c, http.StatusRequestEntityTooLarge, "problem.body_too_large", i18n.Params{"Limit": mbe.Limit})
			return
		}
		problem(c, http.StatusBadRequest, "problem.body_unreadable", nil)
		return
	}
	v, err := h.svc.ReceiveOrder(c.Request.Context(), inbound.Webhook{Channel: c.Param("key"),
		Timestamp: c.GetHeader("X-Sluice-Timestamp"), Signature: c.GetHeader("X-Sluice-Signature"),
		Body: body, RequestID: c.GetString(ctxRequestID)}, time.Now())
	if err != nil {
		h.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/orders/"+strconv.Itoa(v.ID))
	if v.Existing {
		c.JSON(http.StatusOK, v)
		return
	}
	c.JSON(http.StatusCreated, v)
}
