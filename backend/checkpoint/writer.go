package checkpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"sluice/backend/outbox"
	"sluice/backend/periodic"
	"sluice/backend/store"
)

// Writer appends a checkpoint of the chain's head now and then.
type Writer struct {
	st       *store.Store
	key      []byte
	instance string
	file     string // where this instance appends
	webhook  string // also posted here through the outbox, when set
	log      *slog.Logger

	mu   sync.Mutex // one checkpoint at a time; last is the head it recorded
	last int64
	loop periodic.Loop
}

// Options configures a Writer.
type Options struct {
	// Path is a file, or a directory (one that exists, or a path ending in a
	// separator) where each instance appends to its own <instance>.jsonl: instances
	// sharing a directory never write the same file.
	Path     string
	Key      []byte
	Instance string
	Webhook  string
	Log      *slog.Logger
}

// NewWriter checks the options and prepares the file (its directory is created).
func NewWriter(st *store.Store, o Options) (*Writer, error) {
	if len(o.Key) < MinKeyLen {
		return nil, fmt.Errorf("audit.checkpoint_key: want at least %d characters", MinKeyLen)
	}
	if o.Instance == "" {
		return nil, fmt.Errorf("audit.instance: empty")
	}
	file := o.Path
	if st, err := os.Stat(o.Path); (err == nil && st.IsDir()) || strings.HasSuffix(o.Path, string(os.PathSeparator)) {
		file = filepath.Join(o.Path, FileName(o.Instance))
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o750); err != nil {
		return nil, fmt.Errorf("audit.checkpoints: %w", err)
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{st: st, key: o.Key, instance: o.Instance, file: file, webhook: o.Webhook, log: log}, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// FileName is the file an instance appends to in a directory of checkpoints.
func FileName(instance string) string {
	return strings.Trim(unsafeName.ReplaceAllString(instance, "_"), ".") + Ext
}

// File is where this writer appends.
func (w *Writer) File() string { return w.file }

// Take writes a checkpoint of the head as it is committed now, unless this writer
// already recorded that head (or the chain is empty); it returns the checkpoint
// written, or nil.
func (w *Writer) Take(ctx context.Context) (*Checkpoint, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// The global chain anchors every other chain's head: anchor what moved, then record
	// the global chain's head.
	if _, err := w.st.Anchor(ctx); err != nil {
		return nil, fmt.Errorf("checkpoint: anchor: %w", err)
	}
	seq, hash, err := w.st.AnchorHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: read the head: %w", err)
	}
	if seq == 0 || seq == w.last {
		return nil, nil
	}
	if seq < w.last {
		// The chain only grows: a head behind one already checkpointed was moved back.
		w.log.Error("the audit chain's head moved back: entries were removed from its end (run sluice audit verify --checkpoints)",
			"checkpointed", w.last, "head", seq, "file", w.file)
	}
	c := Sign(Checkpoint{Seq: seq, Hash: hash, At: store.Now(), Instance: w.instance}, w.key)
	line, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	if err := appendLine(w.file, line); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	w.last = c.Seq
	if w.webhook != "" {
		// Delivered (and retried) by the outbox worker: the receiver keeps a copy the
		// database cannot reach once it is sent.
		_, err := outbox.Enqueue(ctx, w.st.Client, outbox.Message{Key: "audit-checkpoint:" + w.instance + ":" + strconv.FormatInt(c.Seq, 10),
			Channel: outbox.Webhook, Recipient: w.webhook, Subject: "audit checkpoint", Body: string(line)})
		if err != nil {
			return &c, fmt.Errorf("checkpoint: webhook: %w", err)
		}
	}
	return &c, nil
}

// appendLine appends line and a newline in one write and syncs it to disk. A file
// whose last line was cut short (a crash mid-write) gets its newline first, so the
// line cut short stays alone on its line. O_APPEND keeps concurrent appends to one
// file whole on a local file system; a directory gives each instance its own file.
func appendLine(name string, line []byte) error {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	buf := make([]byte, 0, len(line)+2)
	if n := st.Size(); n > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, n-1); err != nil && err != io.EOF {
			f.Close()
			return err
		}
		if last[0] != '\n' {
			buf = append(buf, '\n')
		}
	}
	buf = append(append(buf, line...), '\n')
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if st.Size() == 0 {
		syncDir(filepath.Dir(name)) // the new file's name survives a crash too
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Start takes a checkpoint at once and then every interval, until Stop.
func (w *Writer) Start(ctx context.Context, every time.Duration) {
	w.loop.Start(ctx, every, func(ctx context.Context) {
		if _, err := w.Take(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("audit checkpoint", "err", err, "file", w.file)
		}
	})
}

// Stop ends the loop and takes a last checkpoint: a clean shutdown records the head
// it leaves behind.
func (w *Writer) Stop(ctx context.Context) error {
	if err := w.loop.Stop(ctx); err != nil {
		return err
	}
	c, err := w.Take(ctx)
	if err != nil {
		return err
	}
	if c != nil {
		w.log.Info("audit checkpoint at shutdown", "seq", c.Seq, "file", w.file)
	}
	return nil
}
