package service

import (
	"context"
	"slices"

	"sluice/backend/ent"
	"sluice/backend/ent/user"
)

// historyPeople maps the usernames a history page names to display names, so the
// timeline reads "王經理 approved" rather than a login. One query for the page's own
// names (a page is at most MaxHistoryPage entries); users without a display name, and
// `system`, are left out.
func historyPeople(ctx context.Context, c *ent.Client, items []HistoryItem) (map[string]string, error) {
	var names []string
	var add func(v any)
	add = func(v any) {
		switch x := v.(type) {
		case string:
			if x != "" && x != "system" {
				names = append(names, x)
			}
		case []any:
			for _, y := range x {
				add(y)
			}
		}
	}
	for _, h := range items {
		add(h.Actor)
		for _, k := range []string{"user", "assignees", "for", "queue"} {
			add(h.Detail[k])
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	slices.Sort(names)
	us, err := c.User.Query().Where(user.UsernameIn(slices.Compact(names)...), user.DisplayNameNEQ("")).
		Select(user.FieldUsername, user.FieldDisplayName).All(ctx)
	if err != nil || len(us) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(us))
	for _, u := range us {
		out[u.Username] = u.DisplayName
	}
	return out, nil
}
