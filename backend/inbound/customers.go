package inbound

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"sluice/backend/authz"
	"sluice/backend/ent"
	"sluice/backend/ent/customer"
	"sluice/backend/ent/department"
	"sluice/backend/ent/membership"
	"sluice/backend/i18n"
	"sluice/backend/outbox"
	"sluice/backend/service"
	"sluice/backend/store"
)

// CustomerView is a customer as the API shows it.
type CustomerView struct {
	ID            int       `json:"id"`
	Code          string    `json:"code"`
	Name          string    `json:"name"`
	Email         string    `json:"email"`
	Language      string    `json:"language"`
	WebhookURL    string    `json:"webhook_url"`
	Blocked       bool      `json:"blocked"`
	BlockedReason string    `json:"blocked_reason"`
	CreditLimit   float64   `json:"credit_limit"`
	Address       string    `json:"address"`
	Department    string    `json:"department"`
	CreatedAt     time.Time `json:"created_at"`
}

func customerView(c *ent.Customer) CustomerView {
	return CustomerView{ID: c.ID, Code: c.Code, Name: c.Name, Email: c.Email, Language: c.Language, WebhookURL: c.WebhookURL,
		Blocked: c.Blocked, BlockedReason: c.BlockedReason, CreditLimit: c.CreditLimit, Address: c.Address, Department: c.Department, CreatedAt: c.CreatedAt}
}

// CustomerInput is the body of POST /customers and PUT /customers/{code}. On PUT, a
// field left out keeps its value, so blocking a customer is {"blocked": true, ...}.
type CustomerInput struct {
	Code          string   `json:"code,omitempty" max:"64"`
	Name          *string  `json:"name,omitempty" max:"200"`
	Email         *string  `json:"email,omitempty" max:"254"`
	Language      *string  `json:"language,omitempty" max:"35"`
	WebhookURL    *string  `json:"webhook_url,omitempty" max:"2048"`
	Blocked       *bool    `json:"blocked,omitempty"`
	BlockedReason *string  `json:"blocked_reason,omitempty" max:"2000"`
	CreditLimit   *float64 `json:"credit_limit,omitempty"`
	Address       *string  `json:"address,omitempty" max:"1000"`
	// Department whose customers.manage holders manage the customer; "" is
	// company-wide (a role with scope global). On POST it defaults to the one
	// department where the caller holds customers.manage.
	Department *string `json:"department,omitempty" max:"64"`
}

// customerCode: letters, digits and . _ -, like the SKUs and keys they sit beside.
var customerCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Languages a customer is written to in.
var Languages = []string{"zh-TW", "zh-CN", "en"}

func (in CustomerInput) check(create, allowPrivate bool) []service.FieldError {
	var errs []service.FieldError
	if create && !customerCode.MatchString(in.Code) {
		errs = append(errs, service.FieldErr("/code", "sku.pattern", nil))
	}
	if create && (in.Name == nil || strings.TrimSpace(*in.Name) == "") {
		errs = append(errs, service.FieldErr("/name", "customer.name_required", nil))
	}
	if in.Name != nil && len(*in.Name) > 200 {
		errs = append(errs, service.FieldErr("/name", "text.too_long", i18n.Params{"Max": 200}))
	}
	if in.Email != nil && *in.Email != "" {
		if a, err := mail.ParseAddress(*in.Email); err != nil || a.Address != *in.Email {
			errs = append(errs, service.FieldErr("/email", "email.invalid", nil))
		}
	}
	if in.Language != nil && !slices.Contains(Languages, *in.Language) {
		errs = append(errs, service.FieldErr("/language", "language.unknown", nil))
	}
	if in.WebhookURL != nil && *in.WebhookURL != "" {
		// no loopback, private, link-local or metadata address (SSRF); names are
		// checked again, after resolution, when a webhook is sent
		var ue *outbox.URLError
		if err := outbox.CheckWebhookURL(*in.WebhookURL, allowPrivate); errors.As(err, &ue) {
			errs = append(errs, service.FieldErr("/webhook_url", ue.Code, i18n.Params{"Host": ue.Host}))
		} else if err != nil {
			errs = append(errs, service.FieldErr("/webhook_url", "invalid", nil))
		}
	}
	if in.CreditLimit != nil && (*in.CreditLimit < 0 || *in.CreditLimit > 1e15) {
		errs = append(errs, service.FieldErr("/credit_limit", "customer.credit_limit", nil))
	}
	if in.Address != nil && len(*in.Address) > 500 {
		errs = append(errs, service.FieldErr("/address", "text.too_long", i18n.Params{"Max": 500}))
	}
	return errs
}

// mayManageCustomers: customers.manage anywhere (admins hold everything) — whether
// the caller manages any customer at all; which ones is mayManageCustomer.
func (s *Inbound) mayManageCustomers(ctx context.Context, a service.Actor) bool {
	return s.CanAnywhere(a, "customers", "manage")
}

// mayManageCustomer: customers.manage in the customer's department, as every
// department permission acts only where it is held; a company-wide customer ("")
// needs it company-wide (a role with scope global, or an admin).
func (s *Inbound) mayManageCustomer(a service.Actor, dept string) bool {
	if dept == "" {
		dept = authz.Global
	}
	return s.Can(a, dept, "customers", "manage")
}

// customerDepartment is the department a new customer goes to: the one given, else the
// only department where the caller holds customers.manage (a company-wide holder
// without one makes a company-wide customer).
func (s *Inbound) customerDepartment(ctx context.Context, a service.Actor, given *string) (string, error) {
	if given != nil {
		return *given, nil
	}
	if s.Can(a, authz.Global, "customers", "manage") {
		return "", nil
	}
	depts, err := s.Store.Read.Membership.Query().Where(membership.UserID(a.ID)).Select(membership.FieldDepartment).Strings(ctx)
	if err != nil {
		return "", err
	}
	var mine []string
	for _, d := range slices.Compact(slices.Sorted(slices.Values(depts))) {
		if s.Can(a, d, "customers", "manage") {
			mine = append(mine, d)
		}
	}
	if len(mine) != 1 {
		return "", service.Refuse(http.StatusUnprocessableEntity, "problem.customer_invalid", nil, service.FieldErr("/department", "customer.department_required", i18n.Params{"Departments": strings.Join(mine, ", ")}))
	}
	return mine[0], nil
}

// CustomerFilter narrows GET /customers.
type CustomerFilter struct {
	Q       string // in code or name
	Blocked string // "true" | "false" | ""
	Cursor  string
	Limit   int
}

// CustomerPage is one page of customers, by id.
type CustomerPage struct {
	Items      []CustomerView `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// ListCustomers is for whoever enters, reads or manages orders.
func (s *Inbound) ListCustomers(ctx context.Context, a service.Actor, f CustomerFilter) (*CustomerPage, error) {
	if !s.mayManageCustomers(ctx, a) && !s.CanAnywhere(a, "orders", "create") && !s.CanAnywhere(a, "orders", "read") &&
		!s.CanAnywhere(a, "orders", "read_all") {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.see_customers", nil)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 100
	}
	q := s.Store.Read.Customer.Query()
	if f.Q != "" {
		q.Where(customer.Or(customer.CodeContainsFold(f.Q), customer.NameContains(f.Q)))
	}
	switch f.Blocked {
	case "":
	case "true", "false":
		q.Where(customer.Blocked(f.Blocked == "true"))
	default:
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.query_invalid", nil, service.FieldErr("/blocked", "query.boolean", nil))
	}
	if c, err := service.ParseCursor(f.Cursor); err != nil {
		return nil, err
	} else if c > 0 {
		q.Where(customer.IDGT(c))
	}
	rows, err := q.Order(ent.Asc(customer.FieldID)).Limit(f.Limit + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	page := &CustomerPage{Items: make([]CustomerView, 0, len(rows))}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		page.NextCursor = strconv.Itoa(rows[len(rows)-1].ID)
	}
	for _, c := range rows {
		page.Items = append(page.Items, customerView(c))
	}
	return page, nil
}

// CreateCustomer adds a customer (customers.manage); a taken code is a 409.
func (s *Inbound) CreateCustomer(ctx context.Context, a service.Actor, in CustomerInput) (*CustomerView, error) {
	if !s.mayManageCustomers(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_customers", nil)
	}
	if errs := in.check(true, s.AllowPrivateWebhooks); len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.customer_invalid", nil, errs...)
	}
	dept, err := s.customerDepartment(ctx, a, in.Department)
	if err != nil {
		return nil, err
	}
	if !s.mayManageCustomer(a, dept) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_department_customers", i18n.Params{"Department": dept})
	}
	var view CustomerView
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if dept != "" {
			known, err := tx.Department.Query().Where(department.Key(dept)).Exist(ctx)
			if err != nil {
				return err
			}
			if !known {
				return service.Refuse(http.StatusUnprocessableEntity, "problem.customer_invalid", nil, service.FieldErr("/department", "department.unknown", i18n.Params{"Key": dept}))
			}
		}
		taken, err := tx.Customer.Query().Where(customer.Code(in.Code)).Exist(ctx)
		if err != nil {
			return err
		}
		if taken {
			return service.Refuse(http.StatusConflict, "problem.customer_exists", i18n.Params{"Code": in.Code})
		}
		c := tx.Customer.Create().SetCode(in.Code).SetName(strings.TrimSpace(*in.Name)).SetDepartment(dept).SetCreatedAt(j.At())
		setCustomer(c.Mutation(), in)
		row, err := c.Save(ctx)
		if err != nil {
			return err
		}
		view = customerView(row)
		return s.customerChanged(ctx, j, a, "customer.created", view)
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// UpdateCustomer changes the fields given (customers.manage); unknown code is a 404.
func (s *Inbound) UpdateCustomer(ctx context.Context, a service.Actor, code string, in CustomerInput) (*CustomerView, error) {
	if !s.mayManageCustomers(ctx, a) {
		return nil, service.Refuse(http.StatusForbidden, "problem.forbidden.manage_customers", nil)
	}
	var errs []service.FieldError
	if in.Code != "" && in.Code != code {
		errs = append(errs, service.FieldErr("/code", "customer.code_immutable", i18n.Params{"Code": code}))
	}
	if in.Name != nil && strings.TrimSpace(*in.Name) == "" {
		errs = append(errs, service.FieldErr("/name", "customer.name_missing", nil))
	}
	if errs = append(errs, in.check(false, s.AllowPrivateWebhooks)...); len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.customer_invalid", nil, errs...)
	}
	var view CustomerView
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		row, err := tx.Customer.Query().Where(customer.Code(code)).Only(ctx)
		if ent.IsNotFound(err) {
			return service.Refuse(http.StatusNotFound, "problem.not_found.customer", nil)
		}
		if err != nil {
			return err
		}
		// the customer's department decides, and a move needs the right in both
		if !s.mayManageCustomer(a, row.Department) {
			return service.Refuse(http.StatusForbidden, "problem.forbidden.manage_department_customers", i18n.Params{"Department": row.Department})
		}
		if in.Department != nil && *in.Department != row.Department {
			if !s.mayManageCustomer(a, *in.Department) {
				return service.Refuse(http.StatusForbidden, "problem.forbidden.manage_department_customers", i18n.Params{"Department": *in.Department})
			}
			if *in.Department != "" {
				known, err := tx.Department.Query().Where(department.Key(*in.Department)).Exist(ctx)
				if err != nil {
					return err
				}
				if !known {
					return service.Refuse(http.StatusUnprocessableEntity, "problem.customer_invalid", nil, service.FieldErr("/department", "department.unknown", i18n.Params{"Key": *in.Department}))
				}
			}
		}
		u := tx.Customer.UpdateOne(row)
		if in.Name != nil {
			u.SetName(strings.TrimSpace(*in.Name))
		}
		setCustomer(u.Mutation(), in)
		if row, err = u.Save(ctx); err != nil {
			return err
		}
		view = customerView(row)
		return s.customerChanged(ctx, j, a, "customer.updated", view)
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// setCustomer copies the optional fields that were given.
func setCustomer(m *ent.CustomerMutation, in CustomerInput) {
	if in.Email != nil {
		m.SetEmail(*in.Email)
	}
	if in.Language != nil {
		m.SetLanguage(*in.Language)
	}
	if in.WebhookURL != nil {
		m.SetWebhookURL(*in.WebhookURL)
	}
	if in.Blocked != nil {
		m.SetBlocked(*in.Blocked)
		if !*in.Blocked && in.BlockedReason == nil {
			m.SetBlockedReason("") // unblocking clears the old reason
		}
	}
	if in.BlockedReason != nil {
		m.SetBlockedReason(*in.BlockedReason)
	}
	if in.CreditLimit != nil {
		m.SetCreditLimit(*in.CreditLimit)
	}
	if in.Address != nil {
		m.SetAddress(*in.Address)
	}
	if in.Department != nil {
		m.SetDepartment(*in.Department)
	}
}

// customerChanged: an audit entry (credit limits and blocks are decisions someone must
// answer for) and an event for admin screens.
func (s *Inbound) customerChanged(ctx context.Context, j *store.Journal, a service.Actor, action string, v CustomerView) error {
	if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: action, Detail: map[string]any{"customer": v}}); err != nil {
		return err
	}
	_, err := j.Event(ctx, action, "admin", map[string]any{"code": v.Code, "blocked": v.Blocked, "credit_limit": v.CreditLimit})
	return err
}
