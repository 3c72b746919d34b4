package service

import (
	"context"
	"fmt"
	"slices"

	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/nodeinstance"
	"sluice/backend/ent/task"
)

// VoteView is the vote of one open review node, as GET /orders/{id} shows it: how many
// approvals pass it (need) out of how many voters (pool), the approvals and rejections
// so far, and who comes next in a sequential node. "2 of 3 approved" is
// approvals/need/pool.
type VoteView struct {
	Node       string      `json:"node"`
	NodeName   engine.Text `json:"node_name,omitempty"`
	Mode       string      `json:"mode"`
	Need       int         `json:"need"`
	Pool       int         `json:"pool"`
	Approvals  int         `json:"approvals"`
	Rejections int         `json:"rejections"`
	// Queue: sequential, the reviewers still to come, in order (the current one holds
	// the open task). After: signers added after, who open when the node would pass.
	Queue []string `json:"queue"`
	After []string `json:"after,omitempty"`
	// ApprovedBy and RejectedBy are the reviewers whose decisions these counters hold,
	// in decision order; approvals beyond ApprovedBy were automatic (auto_pass).
	ApprovedBy []string `json:"approved_by"`
	RejectedBy []string `json:"rejected_by"`
	// Summary says it in words: "2 of 3 approved (2 needed)".
	Summary string `json:"summary"`
}

// addVotes fills v.Votes with the open review nodes of the order, in the order they
// opened.
func (s *Service) addVotes(ctx context.Context, c *ent.Client, o *ent.Order, v *OrderView) error {
	nis, err := c.NodeInstance.Query().Where(nodeinstance.OrderID(o.ID), nodeinstance.NodeType(engine.TypeReview),
		nodeinstance.Status("active")).Order(ent.Asc(nodeinstance.FieldID)).All(ctx)
	if err != nil || len(nis) == 0 {
		return err
	}
	ids := make([]int, len(nis))
	for i, ni := range nis {
		ids[i] = ni.ID
	}
	decided, err := c.Task.Query().Where(task.NodeInstanceIDIn(ids...), task.DecisionIn(engine.ActApprove, engine.ActReject),
		task.KindIn(engine.KindReview, engine.KindBefore)).Order(ent.Asc(task.FieldDecidedAt), ent.Asc(task.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	f, err := s.Catalog.Flow(ctx, o.FlowKey, o.FlowVersion)
	if err != nil {
		return err
	}
	v.Votes = make([]VoteView, 0, len(nis))
	for _, ni := range nis {
		vv := VoteView{Node: ni.NodeID, Mode: ni.Mode, Need: ni.Required, Pool: ni.Pool, Approvals: ni.Approvals,
			Rejections: ni.Rejections, Queue: slices.Clone(ni.Queue), After: ni.After, ApprovedBy: []string{}, RejectedBy: []string{}}
		if vv.Queue == nil {
			vv.Queue = []string{}
		}
		if f != nil && f.Nodes[ni.NodeID] != nil {
			vv.NodeName = f.Nodes[ni.NodeID].Name
		}
		for _, t := range decided {
			if t.NodeInstanceID != ni.ID {
				continue
			}
			switch {
			case t.Decision == engine.ActApprove && t.Kind == engine.KindReview:
				vv.ApprovedBy = append(vv.ApprovedBy, t.DecidedBy)
			case t.Decision == engine.ActReject:
				// an added signer's rejection is a rejection of the vote they joined
				vv.RejectedBy = append(vv.RejectedBy, t.DecidedBy)
			}
		}
		vv.Summary = fmt.Sprintf("%d of %d approved (%d needed)", vv.Approvals, vv.Pool, vv.Need)
		if vv.Rejections > 0 {
			vv.Summary += fmt.Sprintf(", %d rejected", vv.Rejections)
		}
		v.Votes = append(v.Votes, vv)
	}
	return nil
}
