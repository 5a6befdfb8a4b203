package pgroles

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The other markers, NOLOGIN roles like MarkerRole (whose members all the
// platform's roles are): the members of GroupMarker are the platform's group
// roles, those of AlternateMarker the second login roles of alternating
// users. Like MarkerRole they are never shown, nor may anyone be made a
// member of them.
const (
	GroupMarker     = "pgcloud_group"
	AlternateMarker = "pgcloud_alternate"
	// AltSuffix names the second role of an alternating user.
	AltSuffix = "_alt"
)

// PredefinedRoles are the roles of PostgreSQL's own that a platform role may
// be a member of; no other pg_* role (pg_execute_server_program,
// pg_write_server_files, ... would give away the server).
var PredefinedRoles = []string{"pg_monitor", "pg_read_all_data", "pg_read_all_stats", "pg_signal_backend", "pg_write_all_data"}

// Connection limits a role may have: -1 (none) or 1 to MaxConnectionLimit.
const MaxConnectionLimit = 1000

// activeAltComment is the comment of an alternating user's first role while
// its second role is the active one (the one whose password was set last).
// Any other comment means the first is.
const activeAltComment = "pgcloud rotation: active=" + "alt"

// roleLockKey is the transaction-level advisory lock every change to roles
// takes first (lockStmt), so that the platform's changes to the roles of a
// cluster happen one after the other: PostgreSQL does not serialize them
// itself, and parallel GRANTs fail with "tuple concurrently updated".
const roleLockKey = 0x70676364_726f6c65 // "pgcdrole"

var lockStmt = `SELECT pg_advisory_xact_lock(` + strconv.FormatInt(roleLockKey, 10) + `)`

// Spec is what CreateWith creates.
type Spec struct {
	Name            string
	Login           bool
	ConnectionLimit int        // -1 or 1 to MaxConnectionLimit
	ValidUntil      *time.Time // nil: never expires
	CreateDB        bool
	MemberOf        []string // PredefinedRoles and group roles of the platform
	Alternating     bool     // two login roles, see Update
	kind            kind
}

// role is the Role spec creates.
func (s Spec) role() Role {
	r := Role{Name: s.Name, Login: s.Login, ConnectionLimit: s.ConnectionLimit, CreateDB: s.CreateDB,
		MemberOf: slices.Sorted(slices.Values(s.MemberOf)), Alternating: s.Alternating, Active: s.Name}
	if r.MemberOf == nil {
		r.MemberOf = []string{}
	}
	if s.ValidUntil != nil {
		t := s.ValidUntil.UTC().Truncate(time.Microsecond)
		r.ValidUntil = &t
	}
	return r
}

// Change is what Update changes; a nil field stays as it is.
type Change struct {
	Password        *string
	Login           *bool
	ConnectionLimit *int
	ValidUntil      *Expiry
	CreateDB        *bool
	MemberOf        *[]string // the whole set
}

// Expiry is a new VALID UNTIL: At nil for never.
type Expiry struct{ At *time.Time }

// membershipError is ErrMembership with the reason.
type membershipError struct{ msg string }

func (e *membershipError) Error() string { return ErrMembership.Error() + ": " + e.msg }
func (e *membershipError) Unwrap() error { return ErrMembership }

// checkSpec: the rules the API checks first, checked again here, where
// they are kept.
func checkSpec(s Spec) error {
	if s.ConnectionLimit != -1 && (s.ConnectionLimit < 1 || s.ConnectionLimit > MaxConnectionLimit) {
		return fmt.Errorf("connection limit %d: must be -1 or 1 to %d", s.ConnectionLimit, MaxConnectionLimit)
	}
	if s.Alternating && len(s.Name+AltSuffix) > 63 {
		return fmt.Errorf("%w: %q is too long for an alternating user (its second role is %q)", ErrReservedName, s.Name, s.Name+AltSuffix)
	}
	return nil
}

// checkGrantable returns an ErrMembership for the first role of names that
// a platform role may not be a member of: a pg_* role not in
// PredefinedRoles, or a role that is not a group role of the platform.
func checkGrantable(ctx context.Context, q querier, names []string) error {
	var others []string
	for _, n := range names {
		switch {
		case slices.Contains(PredefinedRoles, n):
		case strings.HasPrefix(n, "pg_"):
			return &membershipError{fmt.Sprintf("%q is not one of the predefined roles a user may be a member of (%s)",
				n, strings.Join(PredefinedRoles, ", "))}
		default:
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return nil
	}
	var bad string
	err := q.QueryRow(ctx, `SELECT coalesce(min(n), '') FROM unnest($1::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = n AND `+groupExpr+`)`, others).Scan(&bad)
	if err != nil {
		return safeErr("check the roles of memberOf", err)
	}
	if bad != "" {
		return &membershipError{fmt.Sprintf("%q is not a group role the platform manages in this cluster "+
			"(create it with POST /clusters/{cluster}/roles), nor one of the predefined roles %s", bad, strings.Join(PredefinedRoles, ", "))}
	}
	return nil
}

// attrClause is the attributes of a CREATE or ALTER ROLE.
func attrClause(login bool, limit int, until *time.Time, createdb bool) string {
	return loginClause(login) + limitClause(limit, until, createdb)
}

func loginClause(login bool) string {
	if login {
		return " LOGIN"
	}
	return " NOLOGIN"
}

func limitClause(limit int, until *time.Time, createdb bool) string {
	var b strings.Builder
	b.WriteString(" CONNECTION LIMIT " + strconv.Itoa(limit))
	b.WriteString(" VALID UNTIL " + untilLiteral(until))
	if createdb {
		b.WriteString(" CREATEDB")
	} else {
		b.WriteString(" NOCREATEDB")
	}
	return b.String()
}

// untilLiteral: digits, '-', ':', '.', 'T' and 'Z' only, so it is safe
// in a literal.
func untilLiteral(until *time.Time) string {
	if until == nil {
		return `'infinity'`
	}
	return `'` + until.UTC().Format(time.RFC3339Nano) + `'`
}

func idents(names ...string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = pgx.Identifier{n}.Sanitize()
	}
	return strings.Join(out, ", ")
}

// createStmt is the statement string of CreateWith. The verifier is made of
// base64 characters, '$' and ':' only, so it cannot end the string literal.
//
// The roles are created before the role lock is taken, and granted their
// memberships after: PostgreSQL checks every SCRAM verifier it is given
// against the empty password, one PBKDF2 of the verifier's 4096 rounds (5
// to 10 ms of the cluster's CPU, measured on PostgreSQL 15), and under the
// lock the creates of a cluster did that one after the other. A new role
// is invisible to the others until the commit, so creating it needs no
// lock; the GRANTs, which do, come after, in the same transaction. No
// transaction waits for a role's name while it holds the lock, so none can
// wait for the lock while holding a name another one waits for.
func createStmt(s Spec, verifier string) (string, error) {
	if s.kind == groupKind {
		return `CREATE ROLE ` + idents(s.Name) + ` NOLOGIN; ` + lockStmt +
			`; GRANT ` + idents(append([]string{MarkerRole, GroupMarker}, s.MemberOf...)...) + ` TO ` + idents(s.Name), nil
	}
	login, attrs := loginClause(s.Login), limitClause(s.ConnectionLimit, s.ValidUntil, s.CreateDB)
	stmt := `CREATE ROLE ` + idents(s.Name) + login + ` PASSWORD '` + verifier + `'` + attrs
	grants := `GRANT ` + idents(append([]string{MarkerRole}, s.MemberOf...)...) + ` TO ` + idents(s.Name)
	if s.Alternating {
		other, err := randomPassword()
		if err != nil {
			return "", err
		}
		otherVerifier, err := Verifier(other)
		if err != nil {
			return "", err
		}
		stmt += `; CREATE ROLE ` + idents(s.Name+AltSuffix) + login + ` PASSWORD '` + otherVerifier + `'` + attrs
		grants += `; GRANT ` + idents(append([]string{MarkerRole, AlternateMarker}, s.MemberOf...)...) + ` TO ` + idents(s.Name+AltSuffix)
	}
	return stmt + `; ` + lockStmt + `; ` + grants, nil
}

func randomPassword() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// loginNames are the login roles of the user r.
func (r Role) loginNames() []string {
	if r.Alternating {
		return []string{r.Name, r.Name + AltSuffix}
	}
	return []string{r.Name}
}

// Update changes the platform user name as ch says, in one transaction:
// attributes and memberships on both roles of an alternating user. A new
// password of a plain user replaces its password; that of an alternating
// user goes to its inactive role, which becomes the active one: the
// credentials set before keep working until the next rotation. It returns
// the user as it is afterwards.
func (m *Manager) Update(ctx context.Context, c Cluster, name string, ch Change) (Role, error) {
	return m.update(ctx, c, userKind, name, ch)
}

// CreateGroup creates a NOLOGIN group role of the platform, a member of
// memberOf.
func (m *Manager) CreateGroup(ctx context.Context, c Cluster, name string, memberOf []string) (Role, error) {
	r, err := m.CreateWith(ctx, c, Spec{Name: name, ConnectionLimit: -1, MemberOf: memberOf, kind: groupKind}, "")
	return r, err
}

// UpdateGroup sets the memberships of the platform's group role name.
func (m *Manager) UpdateGroup(ctx context.Context, c Cluster, name string, memberOf []string) (Role, error) {
	return m.update(ctx, c, groupKind, name, Change{MemberOf: &memberOf})
}

func (m *Manager) update(ctx context.Context, c Cluster, k kind, name string, ch Change) (Role, error) {
	pool, err := m.pool(c)
	if err != nil {
		return Role{}, err
	}
	verifier := ""
	if ch.Password != nil {
		if verifier, err = Verifier(*ch.Password); err != nil {
			return Role{}, err
		}
	}
	if ch.MemberOf != nil {
		if err := ensureMarker(ctx, pool); err != nil {
			return Role{}, safeErr("create the marker role", err)
		}
	}
	var out Role
	err = m.managedTx(ctx, pool, k, name, func(tx pgx.Tx, r Role) error {
		targets := r.loginNames()
		if ch.Login != nil || ch.ConnectionLimit != nil || ch.ValidUntil != nil || ch.CreateDB != nil {
			login, limit, until, createdb := r.Login, r.ConnectionLimit, r.ValidUntil, r.CreateDB
			if ch.Login != nil {
				login = *ch.Login
			}
			if ch.ConnectionLimit != nil {
				limit = *ch.ConnectionLimit
			}
			if ch.ValidUntil != nil {
				until = ch.ValidUntil.At
			}
			if ch.CreateDB != nil {
				createdb = *ch.CreateDB
			}
			for _, t := range targets {
				if _, err := tx.Exec(ctx, `ALTER ROLE `+idents(t)+attrClause(login, limit, until, createdb)); err != nil {
					return err
				}
			}
		}
		if ch.MemberOf != nil {
			if err := setMemberships(ctx, tx, targets, *ch.MemberOf); err != nil {
				return err
			}
		}
		if ch.Password != nil {
			target, comment := name, ""
			if r.Alternating {
				if r.Active == name {
					target, comment = name+AltSuffix, activeAltComment
				}
				if _, err := tx.Exec(ctx, `COMMENT ON ROLE `+idents(name)+` IS '`+comment+`'`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `ALTER ROLE `+idents(target)+` PASSWORD '`+verifier+`'`); err != nil {
				return err
			}
		}
		var err error
		out, err = getRole(ctx, tx, k, name)
		return err
	}, "change the role")
	return out, err
}

// setMemberships makes each of targets a member of exactly want (besides the
// markers): it grants what is missing, after checking that it may, and
// revokes the rest, whoever granted it.
func setMemberships(ctx context.Context, tx pgx.Tx, targets, want []string) error {
	if err := checkGrantable(ctx, tx, want); err != nil {
		return err
	}
	for _, t := range targets {
		var have []string
		err := tx.QueryRow(ctx, `SELECT array(SELECT g.rolname::text FROM pg_auth_members am JOIN pg_roles g ON g.oid = am.roleid
			JOIN pg_roles r ON r.oid = am.member WHERE r.rolname = $1 AND g.rolname NOT IN `+markerList+` ORDER BY 1)`, t).Scan(&have)
		if err != nil {
			return err
		}
		var grant, revoke []string
		for _, w := range want {
			if !slices.Contains(have, w) && !slices.Contains(grant, w) {
				grant = append(grant, w)
			}
		}
		for _, h := range have {
			if !slices.Contains(want, h) {
				revoke = append(revoke, h)
			}
		}
		if len(grant) > 0 {
			if _, err := tx.Exec(ctx, `GRANT `+idents(grant...)+` TO `+idents(t)); err != nil {
				return err
			}
		}
		if len(revoke) > 0 {
			if _, err := tx.Exec(ctx, `REVOKE `+idents(revoke...)+` FROM `+idents(t)); err != nil {
				return err
			}
		}
	}
	return nil
}
