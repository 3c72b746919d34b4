package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"

	"sluice/backend/app"
	"sluice/backend/ent/user"
	"sluice/backend/service"
	"sluice/backend/store"
	_ "sluice/plugins/all"
	"sluice/schemas"
)

func main() {
	ctx := context.Background()
	s, err := store.Open(ctx, os.Args[1])
	check(err)
	check(s.Migrate(ctx))
	svc, err := app.New(ctx, s, nil)
	check(err)
	_, _, err = svc.EnsureAdmin(ctx, "admin-pass-123")
	check(err)
	check(svc.SeedDemo(ctx))
	as := func(name string) service.Actor {
		u, err := s.Read.User.Query().Where(user.Username(name)).Only(ctx)
		check(err)
		return service.Actor{ID: u.ID, Username: u.Username, RequestID: "fixture"}
	}
	for i, f := range []string{"small-standard.json", "large-vip.json", "shortage-new.json", "small-standard.json"} {
		b, err := fs.ReadFile(schemas.Examples(), "orders/"+f)
		check(err)
		var req service.SubmitRequest
		check(json.Unmarshal(b, &req))
		o, _, err := svc.Submit(ctx, as("clerk"), req, nil)
		check(err)
		// leave orders at different steps: 0, 1, 2, 3 approvals
		for step := 0; step < i && o.Status == "in_review"; step++ {
			tk := o.Tasks[0]
			res, _, err := svc.Act(ctx, as(tk.Assignees[0]), tk.ID, service.ActionRequest{Action: "approve", Comment: "before the upgrade",
				Checklist: []bool{true, true, true, true, true, true, true, true}[:len(tk.Checklist)]}, nil)
			check(err)
			o = &res.Order
		}
		fmt.Println(o.Number, o.Status, o.CurrentNodes)
	}
	s.Close()
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
