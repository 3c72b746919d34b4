package engine

import (
	"fmt"
	"slices"
)

// Decision scripts a simulated reviewer: what to do at a node (approve by default).
type Decision struct {
	Action string `json:"action"`           // approve | reject | return
	Reason string `json:"reason,omitempty"` // for reject
	Node   string `json:"node,omitempty"`   // for return
}

// SimStep is one node a simulated order reached.
type SimStep struct {
	Node      string         `json:"node"`
	Type      string         `json:"type"`
	Status    string         `json:"status"`
	Outcome   string         `json:"outcome,omitempty"`
	Mode      string         `json:"mode,omitempty"`
	Approvers []string       `json:"approvers,omitempty"`
	Decision  string         `json:"decision,omitempty"`
	Detail    map[string]any `json:"detail,omitempty"`
	// Effects are the visit's (Visit.Effects): what a task's plugin asked for.
	Effects any `json:"-"`
}

// SimResult is the outcome of one simulated order.
type SimResult struct {
	Status string    `json:"status"`
	Path   []SimStep `json:"path"`
	Trace  []Trace   `json:"trace"`
	Error  string    `json:"error,omitempty"`
}

// Simulate runs one order through the flow with scripted decisions, acting as every
// assignee in turn. env must be a dry-run one: simulation changes nothing. A node's
// decision applies on each visit, so a scripted return or reject-to-earlier loop is
// cut off after maxSteps and reported.
func Simulate(f *Flow, o Order, decisions map[string]Decision, env Env) SimResult {
	var res SimResult
	tr := &Tracker{}
	take := func(r *Result, acted string) {
		for _, v := range r.Visits {
			step := SimStep{Node: v.NodeID, Type: v.Type, Status: v.Status, Outcome: v.Outcome, Mode: v.Mode, Detail: v.Detail, Effects: v.Effects}
			for _, t := range v.Tasks {
				step.Approvers = append(step.Approvers, t.Assignees...)
			}
			step.Approvers = append(append(step.Approvers, v.Queue...), v.AutoApproved...)
			res.Path = append(res.Path, step)
		}
		res.Trace = append(res.Trace, r.Trace...)
		tr.Take(r, acted)
		res.Status = tr.Status
	}
	r, err := Start(f, o, env)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	take(r, "")
	for steps := 0; tr.Status == StatusInReview && (len(tr.Open) > 0 || len(tr.Waiting) > 0); steps++ {
		if steps > maxSteps {
			res.Error = fmt.Sprintf("more than %d review steps; the flow loops under these decisions", maxSteps)
			return res
		}
		if len(tr.Waiting) > 0 {
			// a wait passes at once in a dry run; a sub-flow ends as scripted (completed)
			id := tr.Waiting[0]
			outcome := ""
			if f.Nodes[id] != nil && f.Nodes[id].Type == TypeSubflow {
				outcome = StatusCompleted
				if d, ok := decisions[id]; ok && d.Action != "" {
					outcome = d.Action
				}
			}
			r, err := Resume(f, id, outcome, tr.Order(o), env)
			if err != nil {
				res.Error = fmt.Sprintf("at %s: %v", id, err)
				return res
			}
			for k := len(res.Path) - 1; k >= 0; k-- {
				if res.Path[k].Node == id {
					res.Path[k].Decision = outcome
					break
				}
			}
			take(r, id)
			continue
		}
		st := tr.Open[0]
		d, ok := decisions[st.NodeID]
		if !ok || d.Action == "" {
			d = Decision{Action: ActApprove}
		}
		n := f.Nodes[st.NodeID]
		if d.Action == ActReject && d.Reason == "" {
			d.Reason = "simulated"
			if len(n.Reasons) > 0 {
				d.Reason = n.Reasons[0]
			}
		}
		i := slices.IndexFunc(st.Tasks, func(t TaskRef) bool { return !t.Waiting })
		if i < 0 {
			res.Error = "no open task at " + st.NodeID
			return res
		}
		t := st.Tasks[i]
		a := Action{Kind: d.Action, TaskID: t.ID, Actor: t.Assignees[0], Reason: d.Reason, Node: d.Node, Visited: tr.Visited,
			Checklist: slices.Repeat([]bool{true}, len(n.Checklist))}
		r, err := Act(f, *st, a, tr.Order(o), env)
		if err != nil {
			res.Error = fmt.Sprintf("at %s: %v", st.NodeID, err)
			return res
		}
		for k := len(res.Path) - 1; k >= 0; k-- {
			if res.Path[k].Node == st.NodeID {
				res.Path[k].Decision = d.Action
				break
			}
		}
		take(r, st.NodeID)
	}
	if tr.Status == StatusInReview && res.Error == "" {
		res.Error = "the order is in review with no open task"
	}
	return res
}
