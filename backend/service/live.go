package service

import (
	"context"
	"net/http"
	"time"

	"sluice/backend/auth"
	"sluice/backend/ent"
	"sluice/backend/ent/liveticket"
	"sluice/backend/ent/notification"
	"sluice/backend/ent/session"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/store"
)

// What the live hub (backend/live) needs from the service: who a websocket belongs to,
// whether its session still holds, and whether its owner may watch a topic. Plus the
// persisted notification inbox.

// LiveTicketTTL is how long a websocket ticket stays redeemable.
const LiveTicketTTL = 30 * time.Second

// LiveSession authenticates a session token (cookie or bearer) and returns the session's
// id, which the hub re-checks while the socket is open. A nil actor means no valid session.
func (s *Service) LiveSession(ctx context.Context, token string) (*Actor, int, error) {
	if token == "" {
		return nil, 0, nil
	}
	ses, err := s.Store.Read.Session.Query().Where(session.TokenHash(auth.HashToken(token))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return s.sessionActor(ctx, ses)
}

func (s *Service) sessionActor(ctx context.Context, ses *ent.Session) (*Actor, int, error) {
	if time.Now().After(ses.ExpiresAt) {
		return nil, 0, nil
	}
	u, err := s.Store.Read.User.Get(ctx, ses.UserID)
	if ent.IsNotFound(err) {
		return nil, 0, nil
	}
	if err != nil || u.Disabled {
		return nil, 0, err
	}
	return &Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin}, ses.ID, nil
}

// IssueLiveTicket makes a one-time ticket, valid LiveTicketTTL, that authenticates one
// websocket handshake (GET /live?ticket=…) as the session token belongs to. Only the
// ticket's hash is stored, in the database, so any instance can redeem it.
func (s *Service) IssueLiveTicket(ctx context.Context, a Actor, token string) (string, time.Time, error) {
	ses, err := s.Store.Read.Session.Query().Where(session.TokenHash(auth.HashToken(token))).Only(ctx)
	if ent.IsNotFound(err) {
		return "", time.Time{}, errf(http.StatusUnauthorized, "log in first")
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if ses.UserID != a.ID {
		return "", time.Time{}, errf(http.StatusUnauthorized, "log in first")
	}
	ticket, hash := auth.NewToken()
	now := time.Now().UTC()
	exp := now.Add(LiveTicketTTL)
	err = s.Store.Tx(ctx, func(tx *ent.Tx) error {
		// Tickets nobody redeemed are swept here, so the table stays tiny.
		if _, err := tx.LiveTicket.Delete().Where(liveticket.ExpiresAtLT(now)).Exec(ctx); err != nil {
			return err
		}
		return tx.LiveTicket.Create().SetHash(hash).SetSessionID(ses.ID).SetExpiresAt(exp).Exec(ctx)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return ticket, exp, nil
}

// RedeemLiveTicket consumes a ticket: the first redemption before it expires returns the
// session's actor and id; any later one (on any instance), or an expired or unknown
// ticket, returns a nil actor.
func (s *Service) RedeemLiveTicket(ctx context.Context, ticket string) (*Actor, int, error) {
	if ticket == "" {
		return nil, 0, nil
	}
	hash := auth.HashToken(ticket)
	var sessionID int
	err := s.Store.Tx(ctx, func(tx *ent.Tx) error {
		t, err := tx.LiveTicket.Query().Where(liveticket.Hash(hash)).Only(ctx)
		if ent.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		// The conditional delete is the claim: of two concurrent redemptions only one
		// deletes the row.
		n, err := tx.LiveTicket.Delete().Where(liveticket.ID(t.ID)).Exec(ctx)
		if err != nil {
			return err
		}
		if n == 1 && time.Now().Before(t.ExpiresAt) {
			sessionID = t.SessionID
		}
		return nil
	})
	if err != nil || sessionID == 0 {
		return nil, 0, err
	}
	ses, err := s.Store.Read.Session.Get(ctx, sessionID)
	if ent.IsNotFound(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return s.sessionActor(ctx, ses)
}

// LiveSessionsValid reports which of the given sessions still hold: not logged out, not
// expired, and their user not disabled. The hub closes the sockets of the others.
func (s *Service) LiveSessionsValid(ctx context.Context, ids []int) (map[int]bool, error) {
	out := make(map[int]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	const chunk = 500
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		ss, err := s.Store.Read.Session.Query().Where(session.IDIn(part...), session.ExpiresAtGT(time.Now())).All(ctx)
		if err != nil {
			return nil, err
		}
		var uids []int
		for _, x := range ss {
			uids = append(uids, x.UserID)
		}
		enabled := map[int]bool{}
		if len(uids) > 0 {
			us, err := s.Store.Read.User.Query().Where(user.IDIn(uids...), user.Disabled(false)).IDs(ctx)
			if err != nil {
				return nil, err
			}
			for _, id := range us {
				enabled[id] = true
			}
		}
		for _, x := range ss {
			if enabled[x.UserID] {
				out[x.ID] = true
			}
		}
	}
	return out, nil
}

// MayReadOrder says whether the actor may see order id (and so watch topic order:<id>).
// An unknown order is simply not readable.
func (s *Service) MayReadOrder(ctx context.Context, a Actor, id int) (bool, error) {
	_, err := s.readableOrder(ctx, a, id)
	if err == nil {
		return true, nil
	}
	if e, ok := AsError(err); ok && (e.Status == http.StatusNotFound || e.Status == http.StatusForbidden) {
		return false, nil
	}
	return false, err
}

// MayWatchDepartment says whether the actor may watch a department's board: Casbin
// allows orders.read in that department, or they hold orders.read_all anywhere.
func (s *Service) MayWatchDepartment(ctx context.Context, a Actor, dept string) bool {
	return dept != "" && (s.can(a, dept, "orders", "read") || s.canAnywhere(a, "orders", "read_all"))
}

// MayWatchAdmin says whether the actor may watch the admin topic (users.manage).
func (s *Service) MayWatchAdmin(a Actor) bool { return s.canCompanyWide(a, "users.manage") }

// NotificationView is one inbox entry.
type NotificationView struct {
	ID        int            `json:"id"`
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	OrderID   *int           `json:"order_id,omitempty"`
	Data      map[string]any `json:"data"`
	Seq       int64          `json:"seq"`
	CreatedAt time.Time      `json:"created_at"`
	ReadAt    *time.Time     `json:"read_at,omitempty"`
}

// NotificationPage is a page of the inbox, newest first, with the unread count.
type NotificationPage struct {
	Items  []NotificationView `json:"items"`
	Unread int                `json:"unread"`
	// Next is the `before` of the following page; absent on the last one.
	Next *int `json:"next,omitempty"`
}

// NotificationFilter narrows GET /notifications.
type NotificationFilter struct {
	Unread bool // only unread entries
	Before int  // entries with a smaller id (paging); 0 = from the newest
	Limit  int  // 1..200, default 50
}

// Notifications lists the caller's inbox.
func (s *Service) Notifications(ctx context.Context, a Actor, f NotificationFilter) (*NotificationPage, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 200 {
		return nil, invalid("the query is not valid", FieldError{Pointer: "/limit", Message: "at most 200"})
	}
	q := s.Store.Read.Notification.Query().Where(notification.Username(a.Username))
	if f.Unread {
		q.Where(notification.ReadAtIsNil())
	}
	if f.Before > 0 {
		q.Where(notification.IDLT(f.Before))
	}
	rows, err := q.Order(ent.Desc(notification.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &NotificationPage{Items: make([]NotificationView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		next := rows[len(rows)-1].ID
		page.Next = &next
	}
	for _, n := range rows {
		title := n.Title
		if k, ok := n.Data["title_key"].(string); ok { // rendered again in the reader's language
			p, _ := n.Data["title_params"].(map[string]any)
			title = i18n.T(i18n.FromContext(ctx), k, p)
		}
		page.Items = append(page.Items, NotificationView{ID: n.ID, Type: n.Type, Title: title, OrderID: n.OrderID,
			Data: n.Data, Seq: n.EventSeq, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt})
	}
	page.Unread, err = s.unread(ctx, a)
	return page, err
}

func (s *Service) unread(ctx context.Context, a Actor) (int, error) {
	return s.Store.Read.Notification.Query().Where(notification.Username(a.Username), notification.ReadAtIsNil()).Count(ctx)
}

// MarkReadRequest is the body of POST /notifications/read: some ids, or all.
type MarkReadRequest struct {
	IDs []int `json:"ids,omitempty"`
	All bool  `json:"all,omitempty"`
}

// UnreadCount is the caller's number of unread notifications.
type UnreadCount struct {
	Unread int `json:"unread"`
}

// MarkNotificationsRead marks the caller's notifications read (others' ids are ignored)
// and tells the caller's other sockets with a "notification.read" event.
func (s *Service) MarkNotificationsRead(ctx context.Context, a Actor, req MarkReadRequest) (*UnreadCount, error) {
	if !req.All && len(req.IDs) == 0 {
		return nil, invalid("say which notifications", FieldError{Pointer: "/ids", Message: "give ids, or all: true"})
	}
	if len(req.IDs) > 1000 {
		return nil, invalid("too many ids", FieldError{Pointer: "/ids", Message: "at most 1000 at a time"})
	}
	var left int
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		u := tx.Notification.Update().Where(notification.Username(a.Username), notification.ReadAtIsNil())
		if !req.All {
			u.Where(notification.IDIn(req.IDs...))
		}
		n, err := u.SetReadAt(j.At()).Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		left, err = tx.Notification.Query().Where(notification.Username(a.Username), notification.ReadAtIsNil()).Count(ctx)
		if err != nil {
			return err
		}
		data := map[string]any{"all": req.All, "unread": left}
		if !req.All {
			data["ids"] = req.IDs
		}
		_, err = j.Event(ctx, "notification.read", "user:"+a.Username, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	left, err = s.unread(ctx, a)
	return &UnreadCount{Unread: left}, err
}

// NotifyUser leaves a notification in a user's inbox in its own transaction (for
// callers outside a state change; inside one, use the journal's Notify).
func (s *Service) NotifyUser(ctx context.Context, a Actor, n store.Notification) (int, error) {
	var id int
	err := s.change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		var err error
		id, err = j.Notify(ctx, n)
		return err
	})
	return id, err
}
