// Package checkpoint anchors the audit chain outside the database. The chain's hashes
// are unkeyed and its head lives in the same database, so whoever can write the
// database can cut entries off the end and move the head back with them, and the chain
// still verifies. A checkpoint is the head (sequence number and hash) at a moment,
// signed with HMAC-SHA256 under a key the database never holds, appended as a JSON
// line to a file the database cannot rewrite (and optionally posted to a webhook
// through the outbox). `sluice audit verify --checkpoints` then checks that every
// checkpoint is still in the chain.
package checkpoint

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sigPrefix names the signature scheme in each line, so another can follow.
const sigPrefix = "hmac-sha256:"

// MinKeyLen is the shortest key accepted (audit.checkpoint_key).
const MinKeyLen = 32

// Checkpoint is one signed chain head.
type Checkpoint struct {
	Seq      int64     `json:"seq"`  // the last audit entry's sequence number
	Hash     string    `json:"hash"` // its hash
	At       time.Time `json:"at"`
	Instance string    `json:"instance"` // the server that wrote it
	Sig      string    `json:"sig"`
}

// signed is what the signature covers: every field, in a fixed layout.
func (c Checkpoint) signed() []byte {
	return []byte("sluice audit checkpoint v1\n" + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" +
		c.At.UTC().Format(time.RFC3339Nano) + "\n" + c.Instance)
}

func mac(key []byte, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// Sign returns c signed with key.
func Sign(c Checkpoint, key []byte) Checkpoint {
	c.Sig = sigPrefix + hex.EncodeToString(mac(key, c.signed()))
	return c
}

// Valid says whether c's signature is key's.
func (c Checkpoint) Valid(key []byte) bool {
	sig, ok := strings.CutPrefix(c.Sig, sigPrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, mac(key, c.signed()))
}

// Line is a checkpoint read back, with where it was found.
type Line struct {
	Checkpoint
	File string
	N    int // line number, from 1
}

func (l Line) String() string {
	return fmt.Sprintf("%s:%d (seq %d, instance %s, at %s)", l.File, l.N, l.Seq, l.Instance, l.At.Format(time.RFC3339))
}

// Ext is the extension of the files a directory of checkpoints holds.
const Ext = ".jsonl"

// Read reads the checkpoints at path: one file, or every *.jsonl file of a directory
// (one per instance). A line that is not a checkpoint is an error naming it.
func Read(path string) ([]Line, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if st.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*"+Ext)); err != nil {
			return nil, err
		}
		slices.Sort(files)
	}
	var out []Line
	for _, f := range files {
		lines, err := readFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
	}
	return out, nil
}

func readFile(name string) ([]Line, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []Line
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue // the writer ends a line cut short by a crash with a newline
		}
		var c Checkpoint
		dec := json.NewDecoder(bytes.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil || c.Seq <= 0 || c.Hash == "" {
			return nil, fmt.Errorf("%s:%d: not a checkpoint line", name, n)
		}
		out = append(out, Line{Checkpoint: c, File: name, N: n})
	}
	return out, sc.Err()
}

// ErrNone is Verify's error when path holds no checkpoint at all: a check that checks
// nothing must not pass quietly.
var ErrNone = errors.New("no checkpoints found")

// Entries looks up the chain's hashes of the given sequence numbers; a number the chain
// does not hold is absent from the answer.
type Entries func(ctx context.Context, seqs []int64) (map[int64]string, error)

// Result is what Verify found.
type Result struct {
	Checked int    // checkpoints read
	Problem string // empty when every checkpoint verifies and is in the chain
}

// Verify checks the checkpoints at path: every signature must be key's (a forged
// checkpoint is refused before anything else), and every (seq, hash) must still be in
// the chain, whose last entry is end. Problem names the first checkpoint, by sequence
// number, that is not.
func Verify(ctx context.Context, path string, key []byte, end int64, lookup Entries) (Result, error) {
	lines, err := Read(path)
	if err != nil {
		return Result{}, err
	}
	if len(lines) == 0 {
		return Result{}, fmt.Errorf("%s: %w", path, ErrNone)
	}
	res := Result{Checked: len(lines)}
	for _, l := range lines {
		if !l.Valid(key) {
			res.Problem = fmt.Sprintf("checkpoint %s: the signature does not verify (forged, or signed with another audit.checkpoint_key)", l)
			return res, nil
		}
	}
	slices.SortStableFunc(lines, func(a, b Line) int { return cmp.Compare(a.Seq, b.Seq) })
	var seqs []int64
	for _, l := range lines {
		if len(seqs) == 0 || seqs[len(seqs)-1] != l.Seq {
			seqs = append(seqs, l.Seq)
		}
	}
	have := map[int64]string{}
	const batch = 500
	for i := 0; i < len(seqs); i += batch {
		got, err := lookup(ctx, seqs[i:min(i+batch, len(seqs))])
		if err != nil {
			return res, err
		}
		for k, v := range got {
			have[k] = v
		}
	}
	for _, l := range lines {
		h, ok := have[l.Seq]
		switch {
		case !ok:
			res.Problem = fmt.Sprintf("checkpoint %s is not in the chain: entry %d is missing, the chain ends at %d (entries were cut off the end)", l, l.Seq, end)
		case h != l.Hash:
			res.Problem = fmt.Sprintf("checkpoint %s is not in the chain: entry %d has another hash (the chain was rewritten from there or earlier)", l, l.Seq)
		default:
			continue
		}
		return res, nil
	}
	return res, nil
}
