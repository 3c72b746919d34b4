package service

import (
	"context"

	"sluice/backend/ent"
)

// The core's ports: what the feature packages (backend/inbound, …) may use of it. Each
// is a thin exported face of the core's own helper; the core's files keep calling the
// unexported names.

// DepartmentFor picks the department an order is submitted in (departmentFor).
func (s *Service) DepartmentFor(ctx context.Context, a Actor, asked string) (string, error) {
	return s.departmentFor(ctx, a, asked)
}

// OrderQuery selects the orders the actor may see that match the filter (orderQuery).
func (s *Service) OrderQuery(ctx context.Context, a Actor, f OrderFilter) (*ent.OrderQuery, error) {
	return s.orderQuery(ctx, a, f)
}

// FieldGuard renders orders' data with the fields the actor may not see left out.
type FieldGuard = fieldGuard

// Guard reads the actor's tasks on the given orders (guard).
func (s *Service) Guard(ctx context.Context, c *ent.Client, a Actor, orders ...*ent.Order) (*FieldGuard, error) {
	return s.guard(ctx, c, a, orders...)
}

// Data is the order's data as the actor may see it and the top-level fields left out.
func (g *FieldGuard) Data(ctx context.Context, o *ent.Order) (map[string]any, map[string]bool, error) {
	d, h, err := g.data(ctx, o)
	return d, h.fields, err
}

// ParseCursor reads a list's ?cursor= (parseCursor).
func ParseCursor(s string) (int, error) { return parseCursor(s) }

// ScanJSONUpTo is ScanJSON with numbers bounded by maxNumber instead of MaxNumber.
func ScanJSONUpTo(body []byte, maxNumber float64) *Error { return scanJSON(body, maxNumber) }
