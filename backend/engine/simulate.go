package engine

import "fmt"

// Decision scripts a simulated reviewer: what to do at a node (approve by default).
type Decision struct {
	Action string `json:"action"`           // approve | reject
	Reason string `json:"reason,omitempty"` // for reject
}

// SimStep is one node a simulated order reached.
type SimStep struct {
	Node      string         `json:"node"`
	Type      string         `json:"type"`
	Status    string         `json:"status"`
	Outcome   string         `json:"outcome,omitempty"`
	Mode      string         `json:"mode,omitempty"`
	Approvers [][]string     `json:"approvers,omitempty"` // per task
	Decision  string         `json:"decision,omitempty"`
	Detail    map[string]any `json:"detail,omitempty"`
}

// SimResult is the outcome of one simulated order.
type SimResult struct {
	Status string    `json:"status"`
	Path   []SimStep `json:"path"`
	Trace  []Trace   `json:"trace"`
	Error  string    `json:"error,omitempty"`
}

// Simulate runs one order through the flow with scripted decisions, acting as every
// resolved approver in turn. env must be a dry-run one: simulation changes nothing.
func Simulate(f *Flow, o Order, decisions map[string]Decision, env Env) SimResult {
	var res SimResult
	take := func(r *Result) {
		for _, v := range r.Visits {
			res.Path = append(res.Path, SimStep{Node: v.NodeID, Type: v.Type, Status: v.Status, Outcome: v.Outcome, Mode: v.Mode, Approvers: v.Tasks, Detail: v.Detail})
		}
		res.Trace = append(res.Trace, r.Trace...)
		if r.Status != "" {
			res.Status = r.Status
		}
	}
	r, err := Start(f, o, env)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	take(r)
	nextID := 1
	for guard := 0; res.Status == StatusInReview; guard++ {
		if guard > maxSteps {
			res.Error = fmt.Sprintf("more than %d review steps; the flow loops under these decisions", maxSteps)
			return res
		}
		step := &res.Path[len(res.Path)-1]
		d, ok := decisions[step.Node]
		if !ok || d.Action == "" {
			d = Decision{Action: ActApprove}
		}
		if d.Action == ActReject && d.Reason == "" {
			if n := f.Nodes[step.Node]; n != nil && len(n.Reasons) > 0 {
				d.Reason = n.Reasons[0]
			} else {
				d.Reason = "simulated"
			}
		}
		step.Decision = d.Action
		st := NodeState{NodeID: step.Node, Mode: step.Mode, Required: len(step.Approvers)}
		if step.Mode != ModeAll {
			st.Required = 1
		}
		for _, as := range step.Approvers {
			st.Open = append(st.Open, TaskRef{ID: nextID, Assignees: as})
			nextID++
		}
		// Every task's first assignee decides, one after another, as a real desk would.
		for len(st.Open) > 0 {
			t := st.Open[0]
			r, err := Act(f, st, Action{Kind: d.Action, TaskID: t.ID, Actor: t.Assignees[0], Reason: d.Reason}, o, env)
			if err != nil {
				res.Error = fmt.Sprintf("at %s: %v", step.Node, err)
				return res
			}
			st.Open = st.Open[1:]
			st.Approvals, st.Rejections = r.Acted.Approvals, r.Acted.Rejections
			if r.Acted.Status != "active" {
				take(r)
				break
			}
			res.Trace = append(res.Trace, r.Trace...)
		}
	}
	return res
}
