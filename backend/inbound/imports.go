package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/flowretirement"
	"sluice/backend/ent/importjob"
	"sluice/backend/i18n"
	"sluice/backend/intake"
	"sluice/backend/service"
	"sluice/backend/store"
)

// importState tracks the imports running in the background so a shutdown can stop them
// between two orders (each order is its own transaction, so nothing is left half done)
// and record how far they got. The zero value is ready.
type importState struct {
	mu      sync.Mutex
	stopped bool
	running sync.WaitGroup
}

// StopImports makes running imports stop before their next order, marks them failed
// with a row error saying where they stopped, and waits for that (or ctx). Importing the
// file again finishes the job: the orders already made are skipped.
func (s *Inbound) StopImports(ctx context.Context) error {
	s.imports.mu.Lock()
	s.imports.stopped = true
	s.imports.mu.Unlock()
	done := make(chan struct{})
	go func() { s.imports.running.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return errors.New("imports: still recording where they stopped at the shutdown timeout")
	}
}

// WaitImports waits for the imports running in the background to end (their last
// progress written), without reading the database.
func (s *Inbound) WaitImports() { s.imports.running.Wait() }

func (s *Inbound) importsStopped() bool {
	s.imports.mu.Lock()
	defer s.imports.mu.Unlock()
	return s.imports.stopped
}

// SourceImport is the source of orders made by a file import.
const SourceImport = "import"

// ImportProgressEvery is how many orders of an import pass between progress events.
var ImportProgressEvery = 25

// ImportHeartbeat is the longest a running import goes without writing its progress
// (and so renewing its heartbeat), however slowly its orders go.
var ImportHeartbeat = 10 * time.Second

// maxImportErrors bounds the row errors kept on a job; the failed counter stays exact.
const maxImportErrors = 1000

// intakeForm is what intake maps into: a flow's latest published version, its form's
// schema and the names of the form's computed fields. at is the pointer to blame when
// the flow is unknown.
func (s *Inbound) intakeForm(ctx context.Context, flow, at string) (*engine.Flow, *intake.Schema, []string, error) {
	if flow == "" {
		return nil, nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.no_flow_named", nil, service.FieldErr(at, "flow.key_required", nil))
	}
	f, err := s.Catalog.Flow(ctx, flow, 0)
	if err != nil {
		return nil, nil, nil, err
	}
	if f == nil {
		return nil, nil, nil, service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_flow", nil, service.FieldErr(at, "flow.unpublished", i18n.Params{"Flow": flow}))
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, nil, nil, err
	}
	if form == nil {
		return nil, nil, nil, fmt.Errorf("flow %s names form %q, which is not published", f.Key, f.Doc.Form)
	}
	sch, err := intake.ParseSchema(form.Schema)
	if err != nil {
		return nil, nil, nil, err
	}
	sch.OrderBy(form.UI)
	computed := slices.Sorted(maps.Keys(form.Computed))
	return f, sch, computed, nil
}

// mappingProblems turns intake's problems into field errors under prefix.
func mappingProblems(prefix string, ps []intake.Problem) []service.FieldError {
	out := make([]service.FieldError, len(ps))
	for i, p := range ps {
		out[i] = service.FieldError{Pointer: prefix + p.Pointer, Code: p.Code, Message: p.Message, Params: p.Params}
	}
	return out
}

// intakeErr is the field error at ptr of a file or encoding intake refused, by its code.
func intakeErr(ptr string, err error) service.FieldError {
	var e *intake.Error
	if errors.As(err, &e) {
		return service.FieldErr(ptr, e.Code, e.Params)
	}
	return service.FieldError{Pointer: ptr, Message: err.Error()}
}

// ImportRequest is an uploaded file with what to do with it.
type ImportRequest struct {
	Flow       string
	Department string
	Filename   string
	// Mapping is the JSON mapping document; empty means the form's default mapping
	// (the columns of the import template).
	Mapping []byte
	// Encoding is a CSV file's text encoding (intake.Encodings); empty detects it.
	Encoding string
	File     []byte
}

// ImportJobView is an import as the API shows it.
type ImportJobView struct {
	ID         int               `json:"id"`
	Flow       string            `json:"flow"`
	Filename   string            `json:"filename"`
	Status     string            `json:"status"`
	Encoding   string            `json:"encoding,omitempty"` // a CSV file's, as read
	Total      int               `json:"total"`
	Created    int               `json:"created"`
	Skipped    int               `json:"skipped"`
	Failed     int               `json:"failed"`
	Errors     []intake.RowError `json:"errors"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
}

// Localize puts the row errors' messages in lang (they are English until then).
func (v *ImportJobView) Localize(lang string) {
	for i, e := range v.Errors {
		v.Errors[i].Message = e.Localized(lang)
	}
}

func importView(j *ent.ImportJob) *ImportJobView {
	v := &ImportJobView{ID: j.ID, Flow: j.FlowKey, Filename: j.Filename, Status: j.Status, Encoding: j.Encoding, Total: j.Total,
		Created: j.Created, Skipped: j.Skipped, Failed: j.Failed, Errors: []intake.RowError{},
		CreatedBy: j.CreatedBy, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	for _, e := range j.Errors {
		if re, ok := rowErrorOf(e); ok {
			v.Errors = append(v.Errors, re)
		}
	}
	return v
}

// rowErrorData is a row error as a job stores it: its English message and, when it has
// a code, its catalogue message kept as data ("text": i18n.M), read in each reader's
// language.
func rowErrorData(e intake.RowError) map[string]any {
	m := map[string]any{"row": e.Row, "column": e.Column, "message": e.Message}
	if e.Code != "" {
		m["text"] = i18n.M("field."+e.Code, e.Params)
	}
	return m
}

// rowErrorOf reads a stored row error; one stored before row errors kept their message
// as data has no code and reads as its English message.
func rowErrorOf(stored map[string]any) (intake.RowError, bool) {
	var re struct {
		intake.RowError
		Text any `json:"text"`
	}
	b, _ := json.Marshal(stored)
	if json.Unmarshal(b, &re) != nil {
		return intake.RowError{}, false
	}
	if key, p, ok := i18n.Message(re.Text); ok && strings.HasPrefix(key, "field.") {
		re.Code, re.Params = strings.TrimPrefix(key, "field."), p
	}
	return re.RowError, true
}

// ImportPreview is the head of an uploaded file with the mapping its headers suggest:
// what the mapping editor starts from.
type ImportPreview struct {
	intake.Preview
	// Fields are the form's fields a column may fill.
	Fields []intake.Field `json:"fields"`
	// Mapping maps the columns whose header names a field (intake.AutoMap).
	Mapping *intake.TableMapping `json:"mapping"`
	// Missing are the required fields Mapping leaves unfilled, by path.
	Missing []intake.Field `json:"missing"`
}

// PreviewRows is how many data rows a preview shows.
const PreviewRows = 5

// PreviewImport reads an upload as StartImport would (flow, encoding, file) and
// returns its header, its first rows and the mapping its headers suggest; it writes
// nothing.
func (s *Inbound) PreviewImport(ctx context.Context, a service.Actor, req ImportRequest) (*ImportPreview, error) {
	if !s.CanAnywhere(a, "orders", "create") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.submit_orders", nil)
	}
	_, sch, computed, err := s.intakeForm(ctx, req.Flow, "/flow")
	if err != nil {
		return nil, err
	}
	tab, err := readUpload(req)
	if err != nil {
		return nil, err
	}
	m := intake.AutoMap(sch, computed, tab.Header)
	missing := m.Missing(sch, computed)
	if missing == nil {
		missing = []intake.Field{}
	}
	return &ImportPreview{Preview: tab.Head(PreviewRows), Fields: sch.Fields(computed), Mapping: m, Missing: missing}, nil
}

// readUpload reads an upload's file in its encoding (given, or detected): a 400 or
// 422 when there is none, the encoding is unknown or the file cannot be read.
func readUpload(req ImportRequest) (*intake.Table, error) {
	enc, err := intake.CheckEncoding(req.Encoding)
	if err != nil {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.unknown_encoding", nil, intakeErr("/encoding", err))
	}
	if len(req.File) == 0 {
		return nil, service.Refuse(http.StatusBadRequest, "problem.no_file", nil, service.FieldErr("/file", "upload.file_required", nil))
	}
	tab, err := intake.ReadFile(req.Filename, req.File, enc)
	if err != nil {
		return nil, service.Refuse(http.StatusBadRequest, "problem.file_unreadable", nil, intakeErr("/file", err))
	}
	return tab, nil
}

// tableMapping reads the request's mapping, or makes the form's default one.
func tableMapping(raw []byte, sch *intake.Schema, computed []string) (*intake.TableMapping, error) {
	if len(raw) == 0 {
		return intake.DefaultMapping(sch, computed), nil
	}
	var m intake.TableMapping
	if p := intake.DecodeStrict(raw, &m); p != nil {
		return nil, service.Refuse(http.StatusBadRequest, "problem.mapping_unreadable", nil, mappingProblems("/mapping", []intake.Problem{*p})...)
	}
	if ps := m.Validate(sch, computed); len(ps) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.mapping_mismatch", nil, mappingProblems("/mapping", ps)...)
	}
	return &m, nil
}

// StartImport checks an upload completely — flow, permission, mapping, file, header —
// before anything is written, then records the job and submits its orders in the
// background, one transaction per order, as the uploader. A refusal writes nothing.
func (s *Inbound) StartImport(ctx context.Context, a service.Actor, req ImportRequest) (*ImportJobView, error) {
	f, sch, computed, err := s.intakeForm(ctx, req.Flow, "/flow")
	if err != nil {
		return nil, err
	}
	// a retired flow would refuse every order: refuse the file instead
	if retired, err := s.Store.Read.FlowRetirement.Query().Where(flowretirement.FlowKey(f.Key)).Exist(ctx); err != nil {
		return nil, err
	} else if retired {
		return nil, service.FlowRetired(f.Key)
	}
	dept, err := s.DepartmentFor(ctx, a, req.Department)
	if err != nil {
		return nil, err
	}
	m, err := tableMapping(req.Mapping, sch, computed)
	if err != nil {
		return nil, err
	}
	tab, err := readUpload(req)
	if err != nil {
		return nil, err
	}
	if len(req.Mapping) == 0 {
		// No mapping: the columns map themselves by their headers (AutoMap), which
		// covers the template's columns and headers written as the form's titles.
		m = intake.AutoMap(sch, computed, tab.Header)
		if len(m.Fields) == 0 && m.Items == nil {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.import_no_column_matches", nil,
				service.FieldErr("/mapping", "import.map_columns", i18n.Params{"Headers": strings.Join(tab.Header, ", ")}))
		}
	}
	if ps := m.CheckHeader(tab); len(ps) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.import_header_lacks_columns", nil, mappingProblems("/mapping", ps)...)
	}
	orders := m.Build(sch, tab)
	if len(orders) == 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.import_no_rows", nil, service.FieldErr("/file", "import.header_only", nil))
	}
	sum := sha256.Sum256(req.File)
	mapping, _ := json.Marshal(m)
	// Counted as running before the job exists, under the lock StopImports takes, so a
	// shutdown either refuses this upload or waits for it.
	s.imports.mu.Lock()
	if s.imports.stopped {
		s.imports.mu.Unlock()
		return nil, service.Refuse(http.StatusServiceUnavailable, "problem.import_shutting_down", nil)
	}
	s.imports.running.Add(1)
	s.imports.mu.Unlock()
	var job *ent.ImportJob
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		job, err = tx.ImportJob.Create().SetFlowKey(f.Key).SetFilename(req.Filename).
			SetFileHash(hex.EncodeToString(sum[:])).SetMapping(mapping).SetTotal(len(orders)).SetEncoding(tab.Encoding).
			SetErrors([]map[string]any{}).SetCreatedBy(a.Username).SetCreatedAt(j.At()).SetHeartbeatAt(j.At()).Save(ctx)
		if err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "import.started", Detail: map[string]any{
			"import": job.ID, "flow": f.Key, "department": dept, "filename": req.Filename, "encoding": tab.Encoding, "orders": len(orders)}})
	})
	if err != nil {
		s.imports.running.Done()
		return nil, err
	}
	// The upload's request ends now; the import must not end with it.
	go s.runImport(context.WithoutCancel(ctx), a, job.ID, f.Key, dept, orders)
	return importView(job), nil
}

// importRun is an import's tally while it runs.
type importRun struct {
	id                       int
	total, done              int
	created, skipped, failed int
	errors                   []intake.RowError
}

func (r *importRun) fail(es ...intake.RowError) {
	r.failed++
	for _, e := range es {
		if len(r.errors) < maxImportErrors {
			r.errors = append(r.errors, e)
		}
	}
}

func (s *Inbound) runImport(ctx context.Context, a service.Actor, id int, flow, dept string, orders []*intake.Order) {
	defer s.imports.running.Done()
	run := &importRun{id: id, total: len(orders)}
	defer func() {
		if p := recover(); p != nil {
			s.Log.Error("import crashed", "import", id, "panic", p)
			s.importProgress(ctx, a, run, "failed")
		}
	}()
	beat := time.Now()
	for i, o := range orders {
		if s.importsStopped() {
			run.errors = append(run.errors, intake.RowFault(o.Rows[0], "", "import.stopped", i18n.Params{"Done": i, "Total": len(orders)}))
			s.importProgress(ctx, a, run, "failed")
			return
		}
		s.importOne(ctx, a, run, flow, dept, o)
		run.done++
		if run.done < run.total && (run.done%ImportProgressEvery == 0 || time.Since(beat) >= ImportHeartbeat) {
			s.importProgress(ctx, a, run, "running")
			beat = time.Now()
		}
	}
	// An import none of whose orders went in failed, whatever the reason of each.
	status := "done"
	if run.total > 0 && run.failed == run.total {
		status = "failed"
	}
	s.importProgress(ctx, a, run, status)
}

// importOne submits one order, as its own transaction, and tallies the outcome.
func (s *Inbound) importOne(ctx context.Context, a service.Actor, run *importRun, flow, dept string, o *intake.Order) {
	if len(o.Errors) > 0 {
		run.fail(o.Errors...)
		return
	}
	req := service.SubmitRequest{Flow: flow, Data: o.Data, Department: dept, Source: SourceImport, ExternalRef: o.Ref}
	v, _, err := s.Submit(ctx, a, req, nil)
	if ent.IsConstraintError(err) {
		// A concurrent import of the same rows won the unique (source, reference): the
		// second try finds its order.
		v, _, err = s.Submit(ctx, a, req, nil)
	}
	switch {
	case err == nil && v.Existing:
		run.skipped++
	case err == nil:
		run.created++
	default:
		e, ok := service.AsError(err)
		if !ok {
			s.Log.Error("import: submit failed", "import", run.id, "row", o.Rows[0], "err", err)
			run.fail(intake.RowFault(o.Rows[0], "", "import.internal", nil))
			return
		}
		if len(e.Errors) == 0 && e.Key != "" {
			// the order's refusal as a whole, in the reader's language
			run.fail(intake.RowFault(o.Rows[0], "", "import.refused", i18n.Params{"Reason": i18n.M(e.Key, e.Params)}))
			return
		}
		if len(e.Errors) == 0 {
			run.fail(intake.RowError{Row: o.Rows[0], Message: e.Detail})
			return
		}
		var es []intake.RowError
		for _, fe := range e.Errors {
			row, col := o.Locate(fe.Pointer)
			es = append(es, intake.RowError{Row: row, Column: col, Code: fe.Code, Message: fe.Message, Params: fe.Params})
		}
		run.fail(es...)
	}
}

// importFinishRetry: the pauses before writing an import's end again after the write
// failed (a database fault); past them the job stays "running" until RecoverImports
// marks it failed.
var importFinishRetry = []time.Duration{50 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 5 * time.Second}

// importProgress writes the tally to the job and tells the uploader, in one transaction.
// The end of an import (done, failed) is written again while the write fails: left
// unwritten, the job would read "running" until RecoverImports called it a crash. The
// write takes only a running job, so one that went through already is not told twice.
func (s *Inbound) importProgress(ctx context.Context, a service.Actor, run *importRun, status string) {
	errs := make([]map[string]any, len(run.errors))
	for i, e := range run.errors {
		errs[i] = rowErrorData(e)
	}
	for attempt := 0; ; attempt++ {
		err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
			u := tx.ImportJob.Update().Where(importjob.ID(run.id), importjob.StatusEQ("running")).SetStatus(status).
				SetCreated(run.created).SetSkipped(run.skipped).SetFailed(run.failed).SetErrors(errs).SetHeartbeatAt(j.At())
			if status != "running" {
				u.SetFinishedAt(j.At())
			}
			n, err := u.Save(ctx)
			if err != nil || n == 0 {
				return err
			}
			return announceImport(ctx, j, a.Username, a.Username, run, status, nil)
		})
		if err == nil {
			return
		}
		s.Log.Error("import: record progress", "import", run.id, "status", status, "attempt", attempt+1, "err", err)
		if status == "running" || attempt == len(importFinishRetry) {
			return
		}
		time.Sleep(importFinishRetry[attempt])
	}
}

// announceImport journals what a step of an import tells: when it ended, an
// import.finished audit entry by actor (extra adds to its detail); always, the
// import.progress event to its uploader (the imports page follows the job by it).
func announceImport(ctx context.Context, j *store.Journal, actor, uploader string, run *importRun, status string, extra map[string]any) error {
	if status != "running" {
		detail := map[string]any{"import": run.id, "status": status, "created": run.created, "skipped": run.skipped, "failed": run.failed}
		maps.Copy(detail, extra)
		if err := j.Audit(ctx, store.Audit{Actor: actor, Action: "import.finished", Detail: detail}); err != nil {
			return err
		}
	}
	_, err := j.Event(ctx, "import.progress", "user:"+uploader, map[string]any{
		"id": run.id, "status": status, "processed": run.done, "total": run.total,
		"created": run.created, "skipped": run.skipped, "failed": run.failed})
	return err
}

// RecoverImports marks failed the imports still "running" whose heartbeat stopped
// more than staleAfter ago: the server running them went away without recording it (a
// crash, a kill). It tells the uploader as a finished import does, and returns how
// many it marked. Any instance may run it: a job is taken by a conditional update, so
// it is marked once, and never while its heartbeat goes on.
func (s *Inbound) RecoverImports(ctx context.Context, staleAfter time.Duration) (int, error) {
	cutoff := time.Now().Add(-staleAfter)
	stale := importjob.And(importjob.StatusEQ("running"),
		importjob.Or(importjob.HeartbeatAtLT(cutoff), importjob.And(importjob.HeartbeatAtIsNil(), importjob.CreatedAtLT(cutoff))))
	jobs, err := s.Store.Read.ImportJob.Query().Where(stale).All(ctx)
	if err != nil {
		return 0, err
	}
	marked := 0
	for _, job := range jobs {
		run := &importRun{id: job.ID, total: job.Total, done: job.Created + job.Skipped + job.Failed,
			created: job.Created, skipped: job.Skipped, failed: job.Failed}
		errs := append(job.Errors, rowErrorData(intake.RowFault(0, "", "import.crashed", i18n.Params{"Done": run.done, "Total": job.Total})))
		if len(errs) > maxImportErrors+1 {
			errs = errs[len(errs)-maxImportErrors-1:]
		}
		taken := false
		err := s.Change(ctx, service.Actor{Username: "system", RequestID: fmt.Sprintf("import:%d", job.ID)}, func(tx *ent.Tx, j *store.Journal) error {
			taken = false // Store.Tx may run this again after a lost connection
			n, err := tx.ImportJob.Update().Where(importjob.ID(job.ID), stale).SetStatus("failed").
				SetErrors(errs).SetFinishedAt(j.At()).SetHeartbeatAt(j.At()).Save(ctx)
			if err != nil || n == 0 {
				return err
			}
			taken = true
			return announceImport(ctx, j, "system", job.CreatedBy, run, "failed", map[string]any{"interrupted": true})
		})
		if err != nil {
			return marked, err
		}
		if taken {
			marked++
			s.Log.Warn("import: marked failed, its server stopped", "import", job.ID, "processed", run.done, "total", job.Total)
		}
	}
	return marked, nil
}

// GetImport returns one of the caller's imports (admins see every one).
func (s *Inbound) GetImport(ctx context.Context, a service.Actor, id int) (*ImportJobView, error) {
	j, err := s.Store.Read.ImportJob.Get(ctx, id)
	if ent.IsNotFound(err) || (err == nil && j.CreatedBy != a.Username && !s.CanCompanyWide(a, "users.manage")) {
		return nil, service.Refuse(http.StatusNotFound, "problem.not_found.import", nil)
	}
	if err != nil {
		return nil, err
	}
	return importView(j), nil
}

// ImportPage is a page of the caller's imports, newest first.
type ImportPage struct {
	Items      []*ImportJobView `json:"items"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// ListImports lists the caller's imports, newest first, a page at a time (along the
// (created_by, id) index; cursor and limit as every list's, pages.go).
func (s *Inbound) ListImports(ctx context.Context, a service.Actor, cursor string, limit int) (*ImportPage, error) {
	limit = service.PageSize(limit)
	q := s.Store.Read.ImportJob.Query().Where(importjob.CreatedBy(a.Username))
	if c, err := service.ParseCursor(cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(importjob.IDLT(c))
	}
	js, err := q.Order(ent.Desc(importjob.FieldID)).Limit(limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &ImportPage{}
	if len(js) > limit {
		js = js[:limit]
		page.NextCursor = service.IntCursor(js[len(js)-1].ID)
	}
	page.Items = make([]*ImportJobView, len(js))
	for i, j := range js {
		page.Items[i] = importView(j)
	}
	return page, nil
}

// ImportTemplate writes an empty workbook with the mapping's columns (the form's default
// mapping when none is given) for people to fill in.
func (s *Inbound) ImportTemplate(ctx context.Context, a service.Actor, flow string, mapping []byte, w io.Writer) error {
	if !s.CanAnywhere(a, "orders", "create") {
		return service.Refuse(http.StatusForbidden, "problem.forbidden.submit_orders", nil)
	}
	f, sch, computed, err := s.intakeForm(ctx, flow, "/flow")
	if e, ok := service.AsError(err); ok && e.Status == http.StatusUnprocessableEntity && f == nil {
		return service.Refuse(http.StatusNotFound, "problem.not_found.definition", i18n.Params{"Kind": i18n.M("definition.kind.flow", nil), "Key": flow})
	}
	if err != nil {
		return err
	}
	m, err := tableMapping(mapping, sch, computed)
	if err != nil {
		return err
	}
	return intake.WriteTemplate(w, m, sch)
}
