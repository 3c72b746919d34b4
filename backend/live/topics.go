package live

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"sluice/backend/service"
)

// Topics:
//
//	user:<username>    a user's inbox (tasks assigned, notifications, session ended); only one's own
//	order:<id>         one order; whoever may read the order
//	department:<key>   a department's board; orders.read in that department, or orders.read_all
//	admin              definitions and people; users.manage
var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

// parseTopic returns "" for a well-formed topic, else what is wrong with it.
func parseTopic(t string) string {
	if t == "admin" {
		return ""
	}
	kind, arg, ok := strings.Cut(t, ":")
	if !ok {
		return "want user:<name>, order:<id>, department:<key> or admin"
	}
	switch kind {
	case "user", "department":
		if !keyPattern.MatchString(arg) {
			return "not a valid " + kind + " key"
		}
		return ""
	case "order":
		if n, err := strconv.Atoi(arg); err != nil || n <= 0 || strconv.Itoa(n) != arg {
			return "not an order id"
		}
		return ""
	}
	return "unknown kind of topic " + strconv.Quote(kind)
}

// allowed returns "" when a may watch topic t, else why not.
func (h *Hub) allowed(ctx context.Context, a service.Actor, t string) string {
	if why := parseTopic(t); why != "" {
		return why
	}
	if t == "admin" {
		if h.svc.MayWatchAdmin(a) {
			return ""
		}
		return "forbidden"
	}
	kind, arg, _ := strings.Cut(t, ":")
	switch kind {
	case "user":
		if arg == a.Username {
			return ""
		}
	case "department":
		if h.svc.MayWatchDepartment(ctx, a, arg) {
			return ""
		}
	case "order":
		id, _ := strconv.Atoi(arg)
		ok, err := h.svc.MayReadOrder(ctx, a, id)
		if err != nil {
			h.log.Warn("live: check order topic", "err", err)
			return "could not check; try again"
		}
		if ok {
			return ""
		}
	}
	return "forbidden"
}
