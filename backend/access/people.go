package access

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"time"
	"unicode/utf8"

	"sluice/backend/auth"
	"sluice/backend/authz"
	"sluice/backend/definitions"
	"sluice/backend/engine"
	"sluice/backend/ent"
	"sluice/backend/ent/department"
	"sluice/backend/ent/membership"
	"sluice/backend/ent/session"
	"sluice/backend/ent/user"
	"sluice/backend/i18n"
	"sluice/backend/service"
	"sluice/backend/store"
)

// SessionTTL is how long a login lasts.
const SessionTTL = 12 * time.Hour

// UserView is a user as the API shows it (never the password hash).
type UserView struct {
	ID          int    `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Email       string `json:"email,omitempty"`
	IsAdmin     bool   `json:"is_admin"`
	Disabled    bool   `json:"disabled,omitempty"`
	Locale      string `json:"locale"`
	// Language is the user's own choice of the language the server answers them in
	// ("" follows the browser's Accept-Language, else zh-TW).
	Language    string       `json:"language"`
	Memberships []Membership `json:"memberships,omitempty"`
}

// Membership is a role held in a department.
type Membership struct {
	Department string `json:"department" max:"64"`
	Role       string `json:"role" max:"64"`
}

func userView(u *ent.User) UserView {
	return UserView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, IsAdmin: u.IsAdmin, Disabled: u.Disabled, Locale: u.Locale, Language: u.Language}
}

// Login checks a password and opens a session. It answers the same way for an unknown
// user and a wrong password, and spends the same time on both.
func (s *Access) Login(ctx context.Context, username, password, requestID string) (token, csrf string, u *UserView, err error) {
	row, err := s.Store.Read.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		auth.DummyVerify(password)
		return "", "", nil, service.Errf(http.StatusUnauthorized, "wrong username or password")
	}
	if err != nil {
		return "", "", nil, err
	}
	ok, err := auth.VerifyPassword(row.PasswordHash, password)
	if err != nil || !ok || row.Disabled {
		return "", "", nil, service.Errf(http.StatusUnauthorized, "wrong username or password")
	}
	token, hash := auth.NewToken()
	csrf = randomString(24)
	a := service.Actor{ID: row.ID, Username: row.Username, IsAdmin: row.IsAdmin, RequestID: requestID}
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if err := tx.Session.Create().SetTokenHash(hash).SetUserID(row.ID).SetCsrfToken(csrf).
			SetExpiresAt(j.At().Add(SessionTTL)).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: row.Username, Action: "login"})
	})
	if err != nil {
		return "", "", nil, err
	}
	v := userView(row)
	return token, csrf, &v, nil
}

// Authenticate turns a session token into the actor and the session's CSRF token.
func (s *Access) Authenticate(ctx context.Context, token string) (*service.Actor, string, error) {
	if token == "" {
		return nil, "", nil
	}
	ses, err := s.Store.Read.Session.Query().Where(session.TokenHash(auth.HashToken(token))).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if time.Now().After(ses.ExpiresAt) {
		return nil, "", nil
	}
	// a snapshot whose reload failed after a policy change answers nothing until it
	// reloads (reloadPolicy)
	if err := s.Authz.Fresh(ctx); err != nil {
		return nil, "", err
	}
	u, err := s.Store.Read.User.Get(ctx, ses.UserID)
	if err != nil || u.Disabled {
		return nil, "", err
	}
	return &service.Actor{ID: u.ID, Username: u.Username, IsAdmin: u.IsAdmin, SignedInAt: ses.CreatedAt, Language: u.Language}, ses.CsrfToken, nil
}

// Reauth is a fresh sign-in within a session: a's password again. It replaces the
// session (token) with a new one stamped now, which a node's fresh_sign_in asks for,
// and ends the old one, so a token seen before the password was entered proves nothing.
func (s *Access) Reauth(ctx context.Context, a service.Actor, token, password string) (newToken, csrf string, err error) {
	row, err := s.Store.Read.User.Get(ctx, a.ID)
	if err != nil {
		return "", "", err
	}
	ok, err := auth.VerifyPassword(row.PasswordHash, password)
	if err != nil || !ok || row.Disabled {
		return "", "", service.Refuse(http.StatusUnauthorized, "problem.wrong_password", nil)
	}
	newToken, hash := auth.NewToken()
	csrf = randomString(24)
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if _, err := tx.Session.Delete().Where(session.TokenHash(auth.HashToken(token))).Exec(ctx); err != nil {
			return err
		}
		if err := tx.Session.Create().SetTokenHash(hash).SetUserID(row.ID).SetCsrfToken(csrf).
			SetCreatedAt(j.At()).SetExpiresAt(j.At().Add(SessionTTL)).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "reauth"})
	})
	if err != nil {
		return "", "", err
	}
	return newToken, csrf, nil
}

// Logout ends the session the token belongs to.
func (s *Access) Logout(ctx context.Context, a service.Actor, token string) error {
	return s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if _, err := tx.Session.Delete().Where(session.TokenHash(auth.HashToken(token))).Exec(ctx); err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "logout"}); err != nil {
			return err
		}
		_, err := j.Event(ctx, "session.ended", "user:"+a.Username, map[string]any{})
		return err
	})
}

// Me is the caller with their memberships.
func (s *Access) Me(ctx context.Context, a service.Actor) (*UserView, error) {
	u, err := s.Store.Read.User.Get(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	v := userView(u)
	ms, err := s.Store.Read.Membership.Query().Where(membership.UserID(u.ID)).Order(ent.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	v.Memberships = []Membership{}
	for _, m := range ms {
		v.Memberships = append(v.Memberships, Membership{m.Department, m.Role})
	}
	return &v, nil
}

// MyProfile is the body of PATCH /me: what a user may change about themselves.
type MyProfile struct {
	// Language: zh-TW, zh-CN, en, or "" to follow the browser; absent leaves it.
	Language *string `json:"language,omitempty" max:"35"`
}

// UpdateMe changes the caller's own settings (their language).
func (s *Access) UpdateMe(ctx context.Context, a service.Actor, p MyProfile) (*UserView, error) {
	if p.Language != nil && *p.Language != "" && !slices.Contains(i18n.Languages, *p.Language) {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.invalid_input", nil,
			service.FieldErr("/language", "language.unknown_or_empty", nil))
	}
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if p.Language == nil {
			return nil
		}
		if err := tx.User.UpdateOneID(a.ID).SetLanguage(*p.Language).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "user.language_set", Detail: map[string]any{"language": *p.Language}})
	})
	if err != nil {
		return nil, err
	}
	return s.Me(ctx, a)
}

// MyPermissions lists the permissions (authz.Permissions) the actor holds somewhere:
// company-wide or in a department they belong to. The UI shows what they may use from
// it; the server still checks each request where it applies.
func (s *Access) MyPermissions(ctx context.Context, a service.Actor) ([]string, error) {
	depts, err := s.Store.Read.Membership.Query().Where(membership.UserID(a.ID)).Select(membership.FieldDepartment).Strings(ctx)
	if err != nil {
		return nil, err
	}
	domains := append([]string{authz.Global}, depts...)
	held := []string{}
	for _, p := range authz.Permissions {
		if slices.Contains(definitions.CompanyWide, p) {
			if s.CanCompanyWide(a, p) {
				held = append(held, p)
			}
			continue
		}
		obj, act, _ := authz.Permission(p)
		if slices.ContainsFunc(domains, func(d string) bool { return s.Can(a, d, obj, act) }) {
			held = append(held, p)
		}
	}
	return held, nil
}

// NewUser is the body of POST /users.
type NewUser struct {
	Username    string       `json:"username" max:"64"`
	DisplayName string       `json:"display_name,omitempty" max:"200"`
	Email       string       `json:"email,omitempty" max:"254"`
	Password    string       `json:"password" max:"256"`
	IsAdmin     bool         `json:"is_admin,omitempty"`
	Locale      string       `json:"locale,omitempty" max:"35"`
	Memberships []Membership `json:"memberships,omitempty" max:"100"`
}

// ListUsers lists everyone (admins only).
func (s *Access) ListUsers(ctx context.Context, a service.Actor) ([]UserView, error) {
	if !s.CanCompanyWide(a, "users.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.users_manage_forbidden", nil)
	}
	us, err := s.Store.Read.User.Query().Order(ent.Asc(user.FieldUsername)).All(ctx)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.Read.Membership.Query().Order(ent.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		return nil, err
	}
	by := map[int][]Membership{}
	for _, m := range ms {
		by[m.UserID] = append(by[m.UserID], Membership{m.Department, m.Role})
	}
	out := make([]UserView, len(us))
	for i, u := range us {
		out[i] = userView(u)
		out[i].Memberships = by[u.ID]
	}
	return out, nil
}

// CreateUser adds a user with their memberships and refreshes the policy.
func (s *Access) CreateUser(ctx context.Context, a service.Actor, nu NewUser) (*UserView, error) {
	if !s.CanCompanyWide(a, "users.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.users_manage_forbidden", nil)
	}
	var errs []service.FieldError
	if !service.KeyPattern.MatchString(nu.Username) {
		errs = append(errs, service.FieldErr("/username", "key.pattern", nil))
	}
	if err := auth.CheckNewPassword(nu.Password, nu.Username); err != nil {
		errs = append(errs, service.FieldError{Pointer: "/password", Message: err.Error()})
	}
	if nu.Locale != "" && !slices.Contains([]string{"zh-TW", "zh-CN", "en"}, nu.Locale) {
		errs = append(errs, service.FieldErr("/locale", "language.unknown", nil))
	}
	depts, err := s.Store.Read.Department.Query().Select(department.FieldKey).Strings(ctx)
	if err != nil {
		return nil, err
	}
	for i, m := range nu.Memberships {
		if !slices.Contains(depts, m.Department) {
			errs = append(errs, service.FieldErr(fmt.Sprintf("/memberships/%d/department", i), "department.unknown", i18n.Params{"Key": m.Department}))
		}
		if _, ok := s.Catalog.PublishedRole(ctx, m.Role); !ok {
			errs = append(errs, service.FieldErr(fmt.Sprintf("/memberships/%d/role", i), "role.unknown", i18n.Params{"Key": m.Role}))
		}
	}
	if exists, err := s.Store.Read.User.Query().Where(user.Username(nu.Username)).Exist(ctx); err != nil {
		return nil, err
	} else if exists {
		errs = append(errs, service.FieldErr("/username", "username.taken", nil))
	}
	if len(errs) > 0 {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.user_invalid", nil, errs...)
	}
	hash, err := auth.HashPassword(nu.Password)
	if err != nil {
		return nil, err
	}
	var id int
	err = s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		var err error
		id, err = InsertUser(ctx, tx, nu, hash)
		if err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: a.Username, Action: "user.created", Detail: map[string]any{"username": nu.Username, "memberships": membershipsDetail(nu.Memberships)}}); err != nil {
			return err
		}
		return s.WritePolicy(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	s.ReloadPolicy(ctx)
	return s.Me(ctx, service.Actor{ID: id})
}

func membershipsDetail(ms []Membership) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"department": m.Department, "role": m.Role}
	}
	return out
}

// InsertUser writes a user and their memberships in tx (CreateUser, EnsureAdmin and the
// demo seed share it); hash is the password hash.
func InsertUser(ctx context.Context, tx *ent.Tx, nu NewUser, hash string) (int, error) {
	loc := nu.Locale
	if loc == "" {
		loc = "zh-TW"
	}
	u, err := tx.User.Create().SetUsername(nu.Username).SetDisplayName(nu.DisplayName).SetEmail(nu.Email).
		SetPasswordHash(hash).SetIsAdmin(nu.IsAdmin).SetLocale(loc).Save(ctx)
	if err != nil {
		return 0, err
	}
	for _, m := range nu.Memberships {
		if err := tx.Membership.Create().SetUserID(u.ID).SetDepartment(m.Department).SetRole(m.Role).Exec(ctx); err != nil {
			return 0, err
		}
	}
	return u.ID, nil
}

// DepartmentView is a department as the API shows it.
type DepartmentView struct {
	Key  string `json:"key" max:"64"`
	Name string `json:"name" max:"200"` // the zh-TW name, what clients without names show
	// Names is the name per UI language (zh-TW, zh-CN, en); a missing one falls back to Name.
	Names  engine.Text `json:"names,omitempty"`
	Parent *string     `json:"parent,omitempty" max:"64"`
}

// departmentLanguages are the languages a department's name may be given in, zh-TW first.
var departmentLanguages = []string{engine.DefaultLanguage, "zh-CN", "en"}

// ListDepartments lists departments (any logged-in user: pickers need them).
func (s *Access) ListDepartments(ctx context.Context, a service.Actor) ([]DepartmentView, error) {
	ds, err := s.Store.Read.Department.Query().Order(ent.Asc(department.FieldKey)).All(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]DepartmentView, len(ds))
	for i, d := range ds {
		out[i] = DepartmentView{d.Key, d.Name, d.Names, d.ParentKey}
	}
	return out, nil
}

// CreateDepartment adds a department (admins only).
func (s *Access) CreateDepartment(ctx context.Context, a service.Actor, d DepartmentView) (*DepartmentView, error) {
	if !s.CanCompanyWide(a, "users.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.departments_manage_forbidden", nil)
	}
	if !service.KeyPattern.MatchString(d.Key) {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.department_invalid", nil, service.FieldErr("/key", "key.pattern", nil))
	}
	if exists, err := s.Store.Read.Department.Query().Where(department.Key(d.Key)).Exist(ctx); err != nil {
		return nil, err
	} else if exists {
		return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.department_invalid", nil, service.FieldErr("/key", "key.taken", nil))
	}
	for lang, name := range d.Names {
		if !slices.Contains(departmentLanguages, lang) {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.department_invalid", nil, service.FieldErr("/names/"+lang, "language.unknown", nil))
		}
		if utf8.RuneCountInString(name) > 200 {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.department_invalid", nil, service.FieldErr("/names/"+lang, "text.too_long", i18n.Params{"Max": 200}))
		}
	}
	if d.Parent != nil {
		if ok, err := s.Store.Read.Department.Query().Where(department.Key(*d.Parent)).Exist(ctx); err != nil {
			return nil, err
		} else if !ok {
			return nil, service.Refuse(http.StatusUnprocessableEntity, "problem.department_invalid", nil, service.FieldErr("/parent", "department.no_such", nil))
		}
	}
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		if err := tx.Department.Create().SetKey(d.Key).SetName(d.Name).SetNames(d.Names).SetNillableParentKey(d.Parent).Exec(ctx); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "department.created", Detail: map[string]any{"key": d.Key}})
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// EnsureAdmin creates user admin on an empty database. With no password given it makes
// a random one and returns it so the caller can print it once.
func (s *Access) EnsureAdmin(ctx context.Context, password string) (created bool, generated string, err error) {
	n, err := s.Store.Read.User.Query().Where(user.IsAdmin(true)).Count(ctx)
	if err != nil || n > 0 {
		return false, "", err
	}
	if password == "" {
		generated = randomString(18)
		password = generated
	} else if err := auth.CheckNewPassword(password, "admin"); err != nil {
		return false, "", fmt.Errorf("admin_password: %w", err)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return false, "", err
	}
	sys := service.Actor{Username: "system"}
	err = s.Change(ctx, sys, func(tx *ent.Tx, j *store.Journal) error {
		if _, err := InsertUser(ctx, tx, NewUser{Username: "admin", DisplayName: "Administrator", IsAdmin: true}, hash); err != nil {
			return err
		}
		if err := j.Audit(ctx, store.Audit{Actor: "system", Action: "user.created", Detail: map[string]any{"username": "admin", "admin": true}}); err != nil {
			return err
		}
		return s.WritePolicy(ctx, tx)
	})
	if err != nil {
		return false, "", err
	}
	return true, generated, s.Authz.Reload(ctx)
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetUserDisabled disables or re-enables a user (admins only). Disabling ends all the
// user's sessions in the same transaction, so none of them works a moment later (nor
// again after a re-enable), and their open websockets close; a disabled user cannot log
// in. Nobody may disable themselves, so an enabled admin always remains.
func (s *Access) SetUserDisabled(ctx context.Context, a service.Actor, username string, disabled bool) (*UserView, error) {
	if !s.CanCompanyWide(a, "users.manage") {
		return nil, service.Refuse(http.StatusForbidden, "problem.users_manage_forbidden", nil)
	}
	var id int
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		u, err := userNamed(ctx, tx, username)
		if err != nil {
			return err
		}
		if u.ID == a.ID && disabled {
			return service.Refuse(http.StatusConflict, "problem.cannot_disable_self", nil)
		}
		id = u.ID
		if u.Disabled == disabled {
			return nil // already so: nothing to record
		}
		if err := tx.User.UpdateOneID(u.ID).SetDisabled(disabled).Exec(ctx); err != nil {
			return err
		}
		action := "user.enabled"
		if disabled {
			action = "user.disabled"
			if _, err := endSessions(ctx, tx, j, u.ID, u.Username, 0); err != nil {
				return err
			}
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: action, Detail: map[string]any{"username": u.Username}})
	})
	if err != nil {
		return nil, err
	}
	return s.Me(ctx, service.Actor{ID: id})
}

// EndUserSessions ends every session of a user (admins only) and answers how many.
func (s *Access) EndUserSessions(ctx context.Context, a service.Actor, username string) (int, error) {
	if !s.CanCompanyWide(a, "users.manage") {
		return 0, service.Refuse(http.StatusForbidden, "problem.users_manage_forbidden", nil)
	}
	var n int
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		u, err := userNamed(ctx, tx, username)
		if err != nil {
			return err
		}
		if n, err = endSessions(ctx, tx, j, u.ID, u.Username, 0); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "sessions.ended", Detail: map[string]any{"username": u.Username, "sessions": n}})
	})
	return n, err
}

// EndOtherSessions ends the caller's sessions except the one token belongs to (e.g.
// after signing in on a shared computer) and answers how many.
func (s *Access) EndOtherSessions(ctx context.Context, a service.Actor, token string) (int, error) {
	var n int
	err := s.Change(ctx, a, func(tx *ent.Tx, j *store.Journal) error {
		keep, err := tx.Session.Query().Where(session.TokenHash(auth.HashToken(token)), session.UserID(a.ID)).OnlyID(ctx)
		if err != nil {
			return err // the caller was just authenticated with this token
		}
		if n, err = endSessions(ctx, tx, j, a.ID, a.Username, keep); err != nil {
			return err
		}
		return j.Audit(ctx, store.Audit{Actor: a.Username, Action: "sessions.ended", Detail: map[string]any{"username": a.Username, "sessions": n, "kept_current": true}})
	})
	return n, err
}

// userNamed is the user an admin's request names, or a 404.
func userNamed(ctx context.Context, tx *ent.Tx, username string) (*ent.User, error) {
	u, err := tx.User.Query().Where(user.Username(username)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, service.NotFound("user")
	}
	return u, err
}

// endSessions deletes a user's sessions but keep (0: none) and, when any ended, tells
// the live hubs (session.ended), which close the websockets of sessions now gone.
func endSessions(ctx context.Context, tx *ent.Tx, j *store.Journal, userID int, username string, keep int) (int, error) {
	q := tx.Session.Delete().Where(session.UserID(userID))
	if keep != 0 {
		q = tx.Session.Delete().Where(session.UserID(userID), session.IDNEQ(keep))
	}
	n, err := q.Exec(ctx)
	if err != nil || n == 0 {
		return n, err
	}
	_, err = j.Event(ctx, "session.ended", "user:"+username, map[string]any{})
	return n, err
}
