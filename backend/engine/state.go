package engine

import "slices"

// OpenState is the state a review visit opens with; newID numbers its tasks.
func OpenState(v Visit, newID func() int) NodeState {
	st := NodeState{NodeID: v.NodeID, Mode: v.Mode, Need: v.Need, Pool: v.Pool, Approvals: len(v.AutoApproved),
		Queue: slices.Clone(v.Queue), ReturnTo: v.ReturnTo}
	if v.Mode == ModeAny && st.Approvals > 1 {
		st.Approvals = 1
	}
	for _, t := range v.Tasks {
		st.Tasks = append(st.Tasks, TaskRef{ID: newID(), Assignees: slices.Clone(t.Assignees), Kind: t.Kind, Parent: t.Parent})
	}
	return st
}

// Apply updates a node's state by a change, as a store does when it writes the change;
// simulation and the replay tests use it. It returns false when the node closed.
func Apply(st *NodeState, ch *NodeChange, newID func() int) bool {
	st.Need, st.Pool, st.Approvals, st.Rejections = ch.Need, ch.Pool, ch.Approvals, ch.Rejections
	st.Queue, st.After = slices.Clone(ch.Queue), slices.Clone(ch.After)
	gone := append(slices.Clone(ch.Done), ch.Cancel...)
	st.Tasks = slices.DeleteFunc(st.Tasks, func(t TaskRef) bool { return slices.Contains(gone, t.ID) })
	for i := range st.Tasks {
		t := &st.Tasks[i]
		if slices.Contains(ch.Suspend, t.ID) {
			t.Waiting = true
		}
		if slices.Contains(ch.Reopen, t.ID) {
			t.Waiting = false
		}
		if as, ok := ch.Reassign[t.ID]; ok {
			t.Assignees = slices.Clone(as)
		}
	}
	for _, nt := range ch.New {
		st.Tasks = append(st.Tasks, TaskRef{ID: newID(), Assignees: slices.Clone(nt.Assignees), Kind: nt.Kind, Parent: nt.Parent})
	}
	return ch.Status == "active"
}

// Tracker keeps an order's engine state in memory, as a store would: the open review
// nodes, the waiting joins, the review nodes passed and the status. Simulation and the
// replay tests use it.
type Tracker struct {
	Status  string
	Open    []*NodeState // in the order they opened
	Joins   map[string]JoinState
	Visited []string // review nodes passed, oldest first
	Last    []string // approvers of the review passed last
	// Waiting are the wait and subflow nodes the order waits at (resumed with Resume).
	Waiting []string
	// Exceptions are the exception visits not yet resolved: the order waits at each.
	Exceptions []Visit
	id         int
}

// NewID numbers tasks.
func (t *Tracker) NewID() int { t.id++; return t.id }

// Node returns the open state of a node, or nil.
func (t *Tracker) Node(id string) *NodeState {
	for _, st := range t.Open {
		if st.NodeID == id {
			return st
		}
	}
	return nil
}

// Order fills the engine-visible parts of o from the tracker.
func (t *Tracker) Order(o Order) Order {
	o.Joins, o.LastApprovers = t.Joins, t.Last
	return o
}

// Take records a result; acted is the node that was acted on ("" for a start).
func (t *Tracker) Take(r *Result, acted string) {
	if r.CancelRest {
		t.Open = slices.DeleteFunc(t.Open, func(st *NodeState) bool { return st.NodeID != acted })
		t.Joins = nil
		t.Waiting = slices.DeleteFunc(t.Waiting, func(id string) bool { return id != acted })
	}
	if acted != "" && r.Acted != nil {
		if i := slices.Index(t.Waiting, acted); i >= 0 {
			t.Waiting = slices.Delete(t.Waiting, i, i+1)
		}
	}
	if acted != "" && r.Acted != nil {
		if st := t.Node(acted); st != nil && !Apply(st, r.Acted, t.NewID) {
			t.Open = slices.DeleteFunc(t.Open, func(s *NodeState) bool { return s == st })
			if r.Acted.Status == "approved" {
				t.Visited = append(t.Visited, acted)
			}
		}
	}
	for id, js := range r.Joins {
		if t.Joins == nil {
			t.Joins = map[string]JoinState{}
		}
		if js.Arrived >= js.Expected {
			delete(t.Joins, id)
		} else {
			t.Joins[id] = JoinState{Expected: js.Expected, Arrived: js.Arrived}
		}
	}
	for _, v := range r.Visits {
		if v.Status == "exception" {
			t.Exceptions = append(t.Exceptions, v)
			continue
		}
		if v.Status == "waiting" && (v.Type == TypeWait || v.Type == TypeSubflow) {
			t.Waiting = append(t.Waiting, v.NodeID)
		}
		if v.Type != TypeReview {
			continue
		}
		switch v.Status {
		case "active":
			st := OpenState(v, t.NewID)
			t.Open = append(t.Open, &st)
		case "approved":
			t.Visited = append(t.Visited, v.NodeID)
		}
	}
	if r.last != nil {
		t.Last = r.last
	}
	if r.Status != "" {
		t.Status = r.Status
	}
	if len(t.Exceptions) > 0 && t.Status == StatusInReview {
		t.Status = StatusException // another exception of the order is still open
	}
	// An exception holds the order with its other branches open; an end closes all.
	if t.Status != StatusInReview && t.Status != StatusException {
		t.Open, t.Joins, t.Waiting, t.Exceptions = nil, nil, nil, nil
	}
}

// Resolve forgets the exception at node id (it was retried, overridden or cancelled);
// take the resolution's result after it.
func (t *Tracker) Resolve(id string) {
	for i, v := range t.Exceptions {
		if v.NodeID == id {
			t.Exceptions = append(t.Exceptions[:i:i], t.Exceptions[i+1:]...)
			break
		}
	}
	if len(t.Exceptions) == 0 && t.Status == StatusException {
		t.Status = StatusInReview
	}
}
