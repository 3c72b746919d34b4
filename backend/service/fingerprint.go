package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/order"
	"sluice/backend/ent/task"
	"sluice/backend/store"
)

// Field permissions of a review node.
const (
	FieldHidden = "hidden"
	FieldRead   = "read"
	FieldEdit   = "edit"
)

// seenFields are the top-level form fields a reviewer of n sees: all but the hidden.
func seenFields(n *engine.NodeDoc, data map[string]any) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if n == nil || n.Fields[k] != FieldHidden {
			out = append(out, k)
		}
	}
	return out
}

// editableFields are the form fields reviewers at n may edit, sorted (nil when none).
func editableFields(n *engine.NodeDoc) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(n.Fields)) {
		if n.Fields[k] == FieldEdit {
			out = append(out, k)
		}
	}
	return out
}

// fingerprint hashes the values of the given fields (canonical JSON, sorted keys).
func fingerprint(fields []string, data map[string]any) string {
	sub := map[string]any{}
	for _, f := range fields {
		sub[f] = data[f]
	}
	b, _ := json.Marshal(sub)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// edit applies a reviewer's field changes to the order: only fields the node lets them
// edit, validated against the form with computed fields recomputed. It returns the
// top-level fields whose values changed.
func (s *Service) edit(ctx context.Context, n *engine.NodeDoc, f *engine.Flow, o *ent.Order, fields map[string]any) (map[string]any, []string, error) {
	var errs []FieldError
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if n.Fields[k] != FieldEdit {
			errs = append(errs, FieldError{Pointer: "/fields/" + k, Message: fmt.Sprintf("reviewers at %s may not edit %q", n.ID, k)})
		}
	}
	if len(errs) > 0 {
		return nil, nil, invalid("some fields are not editable here", errs...)
	}
	form, err := s.Catalog.Form(ctx, f.Doc.Form)
	if err != nil {
		return nil, nil, err
	}
	data := map[string]any{}
	// a deep copy: the new data must not share maps with the old
	b, _ := json.Marshal(o.Data)
	_ = json.Unmarshal(b, &data)
	for k, v := range fields {
		data[k] = v
	}
	if form != nil {
		var probs []definitions.Problem = form.Prepare(data)
		for _, p := range probs {
			ptr := p.Pointer
			if len(ptr) > len("/data") && ptr[:len("/data")] == "/data" {
				ptr = "/fields" + ptr[len("/data"):]
			}
			errs = append(errs, FromProblem(ptr, p))
		}
	}
	if len(errs) > 0 {
		return nil, nil, Refuse(422, "problem.edited_order_form_mismatch", nil, errs...)
	}
	var changed []string
	for _, k := range slices.Sorted(maps.Keys(data)) {
		if !reflect.DeepEqual(normalizeJSON(data[k]), normalizeJSON(o.Data[k])) {
			changed = append(changed, k)
		}
	}
	return data, changed, nil
}

func normalizeJSON(v any) any {
	b, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

// voided finds the approvals of this order that depended on a changed field: the review
// nodes passed whose approvers saw one of them. It returns those nodes, oldest first.
func voided(ctx context.Context, tx *ent.Tx, o *ent.Order, current string, changed []string) ([]string, []int, error) {
	passed, err := tx.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.NodeType(engine.TypeReview),
		nodeinstance.Status("approved"), nodeinstance.NodeIDNEQ(current)).Order(ent.Asc(nodeinstance.FieldID)).All(ctx)
	if err != nil || len(passed) == 0 {
		return nil, nil, err
	}
	var nodes []string
	var instances []int
	for _, ni := range passed {
		approvals, err := tx.Task.Query().Where(task.NodeInstanceID(ni.ID), task.Decision(engine.ActApprove), task.FingerprintNEQ("")).All(ctx)
		if err != nil {
			return nil, nil, err
		}
		for _, ap := range approvals {
			if slices.ContainsFunc(ap.Seen, func(f string) bool { return slices.Contains(changed, f) }) {
				if !slices.Contains(nodes, ni.NodeID) {
					nodes = append(nodes, ni.NodeID)
				}
				instances = append(instances, ni.ID)
				break
			}
		}
	}
	return nodes, instances, nil
}

// saveEdit writes the edited data and, when earlier approvals depended on what changed,
// voids them; it reports the voided nodes.
func (s *Service) saveEdit(ctx context.Context, tx *ent.Tx, j *store.Journal, a Actor, o *ent.Order, node string, data map[string]any, changed []string) ([]string, error) {
	if len(changed) == 0 {
		return nil, nil
	}
	total, _ := data["total"].(float64)
	n, err := tx.Order.Update().Where(order.ID(o.ID), order.Version(o.Version)).SetData(data).SetTotal(total).
		SetUpdatedAt(j.At()).AddVersion(1).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, conflict("the order changed while you edited it; reload and try again")
	}
	o.Data, o.Total, o.Version = data, total, o.Version+1
	nodes, instances, err := voided(ctx, tx, o, node, changed)
	if err != nil {
		return nil, err
	}
	if len(instances) > 0 {
		if err := tx.NodeInstance.Update().Where(nodeinstance.IDIn(instances...)).SetStatus("voided").AddVersion(1).Exec(ctx); err != nil {
			return nil, err
		}
	}
	detail := map[string]any{"changed": changed, "voided": nodes}
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "edited", OrderID: o.ID, Node: node, Detail: detail}); err != nil {
		return nil, err
	}
	return nodes, nil
}
