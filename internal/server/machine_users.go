package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

type machineUserProps struct {
	OrganizationID  string `json:"organizationId"`
	Username        string `json:"username"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	Email           string `json:"email"`
	AccessTokenType string `json:"accessTokenType"`
	// AccessKey is the initial key, with its id and secret: only in the
	// answer to a create that asked for one.
	AccessKey *accessKeyProps `json:"accessKey,omitempty"`
}

func machineUserHref(u store.User) string {
	return apiPrefix + "/organizations/" + pathID(u.OrganizationID) + "/machine-users/" + pathID(u.ID)
}

func machineUserEnvelope(u store.User) envelope {
	return envelope{Type: "machine-user", ID: u.ID, Href: machineUserHref(u), Metadata: metadata(u.Meta, u.OrganizationID),
		Properties: machineUserProps{OrganizationID: u.OrganizationID, Username: u.Username, Name: u.Name,
			Description: u.Description, Email: u.Email, AccessTokenType: u.AccessTokenType}}
}

// ---- request bodies ----

var (
	machineUserCreateFields = []string{"id", "username", "name", "description", "email", "accessTokenType", "accessKey"}
	machineUserPatchFields  = []string{"username", "name", "description", "email", "accessTokenType"}
	immutableMachineUser    = map[string]string{
		"id":             "cannot be changed: a machine user never moves; create a new one",
		"organizationId": "cannot be changed: a machine user never moves; create a new one",
		"accessKey":      "is accepted on create only; manage the keys of a machine user under its access-keys",
	}
)

type machineUserCreate struct {
	ID, Username, Name, Description, Email, AccessTokenType string
	AccessKey                                               *accessKeyCreate // the initial key, if asked for
}

func parseMachineUserCreate(body []byte) (machineUserCreate, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return machineUserCreate{}, e
	}
	var in machineUserCreate
	var v validationErrors
	o.rejectOthers(&v, machineUserCreateFields, nil)
	id, hasID := o.str("id")
	username, hasUsername := o.str("username")
	in.Username = username
	name, hasName := o.str("name")
	in.Description, _ = o.str("description")
	in.Email, _ = o.str("email")
	tokenType, hasTokenType := o.str("accessTokenType")
	if ko, ok := o.object("accessKey"); ok {
		k := parseAccessKeyFields(ko, &v, "accessKey")
		o.adopt(ko, "accessKey")
		in.AccessKey = &k
	}
	if e := o.typeErr(); e != nil {
		return machineUserCreate{}, e
	}
	if hasID {
		checkID(&v, "id", id)
		in.ID = id
	}
	if hasUsername {
		checkUsername(&v, "username", in.Username)
	} else {
		v.add("username", "is required")
	}
	in.Name = in.Username
	if hasName {
		checkName(&v, "name", name)
		in.Name = name
	}
	checkDescription(&v, "description", in.Description)
	checkEmail(&v, "email", in.Email)
	in.AccessTokenType = tokenTypeBearer
	if hasTokenType {
		checkTokenType(&v, "accessTokenType", tokenType)
		in.AccessTokenType = tokenType
	}
	return in, v.err()
}

// machineUserPatch: nil = leave as is.
type machineUserPatch struct {
	Username, Name, Description, Email, AccessTokenType *string
}

func parseMachineUserPatch(body []byte) (machineUserPatch, *apiError) {
	o, e := decodeObject(body)
	if e != nil {
		return machineUserPatch{}, e
	}
	var in machineUserPatch
	var v validationErrors
	o.rejectOthers(&v, machineUserPatchFields, immutableMachineUser)
	get := func(name string) *string {
		if s, ok := o.str(name); ok {
			return &s
		}
		return nil
	}
	in.Username, in.Name, in.Description = get("username"), get("name"), get("description")
	in.Email, in.AccessTokenType = get("email"), get("accessTokenType")
	if e := o.typeErr(); e != nil {
		return machineUserPatch{}, e
	}
	if in.Username != nil {
		checkUsername(&v, "username", *in.Username)
	}
	if in.Name != nil {
		checkName(&v, "name", *in.Name)
	}
	if in.Description != nil {
		checkDescription(&v, "description", *in.Description)
	}
	if in.Email != nil {
		checkEmail(&v, "email", *in.Email)
	}
	if in.AccessTokenType != nil {
		checkTokenType(&v, "accessTokenType", *in.AccessTokenType)
	}
	return in, v.err()
}

// ---- handlers ----

func machineUserNotFound(id string) *apiError {
	return errNotFound("machine user %q not found", id)
}

// getMachineUserIn loads a machine user of org; people, and machine users of
// other organizations, are 404.
func (s *Server) getMachineUserIn(ctx context.Context, q store.Queries, orgID, id string) (store.User, *apiError) {
	u, err := q.GetUser(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && (u.OrganizationID != orgID || u.Type != store.UserTypeMachine)) {
		return store.User{}, machineUserNotFound(id)
	} else if err != nil {
		return store.User{}, s.internal(ctx, "get machine user", err)
	}
	return u, nil
}

// usernameTaken reports whether another user of org already has username.
func (s *Server) usernameTaken(ctx context.Context, q store.Queries, orgID, username string) (bool, *apiError) {
	found, _, err := q.ListUsers(ctx, store.UserFilter{OrganizationID: orgID, Username: username}, store.Page{Limit: 1})
	if err != nil {
		return false, s.internal(ctx, "check username", err)
	}
	return len(found) > 0, nil
}

func errUsernameTaken(username string) *apiError {
	return fieldError(http.StatusConflict, codeAlreadyExists, "username",
		"a user named %q already exists in this organization; choose another username", username)
}

func (s *Server) listMachineUsers(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	p, e := parsePage(r)
	if e != nil {
		return e
	}
	filters := url.Values{}
	username := r.URL.Query().Get("username")
	if username != "" {
		filters.Set("username", username)
	}
	items, total, err := s.store.ListUsers(r.Context(),
		store.UserFilter{OrganizationID: org.ID, Type: store.UserTypeMachine, Username: username}, p)
	if err != nil {
		return s.internal(r.Context(), "list machine users", err)
	}
	out := make([]envelope, len(items))
	for i, u := range items {
		out[i] = machineUserEnvelope(u)
	}
	writeJSON(w, http.StatusOK, newCollection(apiPrefix+"/organizations/"+pathID(org.ID)+"/machine-users", filters, p, total, out))
	return nil
}

func (s *Server) getMachineUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	u, e := s.getMachineUserIn(r.Context(), s.store, org.ID, r.PathValue("user"))
	if e != nil {
		return e
	}
	writeJSON(w, http.StatusOK, machineUserEnvelope(u))
	return nil
}

func (s *Server) createMachineUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	org, e := s.callerOrg(r.Context(), c, r.PathValue("org"))
	if e != nil {
		return e
	}
	if e := requireOrgOwner(c, org, "creating machine users"); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseMachineUserCreate(body)
	if e != nil {
		return e
	}
	return s.create(w, r, c, body, func(ctx context.Context, q store.Queries) (created, *apiError) {
		id := in.ID
		if id == "" {
			id = uuid.NewString()
		} else if _, err := q.GetUser(ctx, id); err == nil {
			return created{}, fieldError(http.StatusConflict, codeAlreadyExists, "id",
				"a user with id %q already exists; choose another id or omit it to get a generated one", id)
		} else if !errors.Is(err, store.ErrNotFound) {
			return created{}, s.internal(ctx, "check id", err)
		}
		if taken, e := s.usernameTaken(ctx, q, org.ID, in.Username); e != nil {
			return created{}, e
		} else if taken {
			return created{}, errUsernameTaken(in.Username)
		}
		_, count, err := q.ListUsers(ctx, store.UserFilter{OrganizationID: org.ID, Type: store.UserTypeMachine}, store.Page{Limit: 1})
		if err != nil {
			return created{}, s.internal(ctx, "count machine users", err)
		}
		if count >= s.cfg.MachineUserQuota {
			return created{}, newError(http.StatusConflict, codeQuotaExceeded,
				"organization %q has reached its quota of %d machine users; delete machine users it no longer needs, "+
					"or ask the platform operator to raise the quota (pgcloud-server serve --machine-user-quota N, "+
					"or the environment variable PGCLOUD_SERVER_MACHINE_USER_QUOTA)", org.Name, s.cfg.MachineUserQuota)
		}
		u := store.User{ID: id, OrganizationID: org.ID, Type: store.UserTypeMachine, Username: in.Username,
			Name: in.Name, Description: in.Description, Email: in.Email, AccessTokenType: in.AccessTokenType,
			Meta: store.NewMeta(s.now(), c.user.ID)}
		if err := q.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
			return created{}, newError(http.StatusConflict, codeAlreadyExists,
				"a user with this id or username already exists; choose another")
		} else if err != nil {
			return created{}, s.internal(ctx, "create machine user", err)
		}
		env := machineUserEnvelope(u)
		if in.AccessKey != nil {
			k, text, e := s.newKeyFor(ctx, q, c, u, *in.AccessKey, false)
			if e != nil {
				return created{}, e
			}
			kp := s.accessKeyProps(k, org.ID)
			kp.ID, kp.Secret = k.ID, text
			props := env.Properties.(machineUserProps)
			props.AccessKey = &kp
			env.Properties = props
		}
		return created{status: http.StatusCreated, location: machineUserHref(u), body: env}, nil
	})
}

func (s *Server) updateMachineUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	org, e := s.callerOrg(ctx, c, r.PathValue("org"))
	if e != nil {
		return e
	}
	if e := requireOrgOwner(c, org, "changing machine users"); e != nil {
		return e
	}
	body, e := readBody(r)
	if e != nil {
		return e
	}
	in, e := parseMachineUserPatch(body)
	if e != nil {
		return e
	}
	var (
		u       store.User
		failure *apiError
	)
	err := s.store.InTx(ctx, func(q store.Queries) error {
		u, failure = s.getMachineUserIn(ctx, q, org.ID, r.PathValue("user"))
		if failure != nil {
			return errRollback
		}
		changed := false
		set := func(dst *string, v *string) {
			if v != nil && *v != *dst {
				*dst, changed = *v, true
			}
		}
		if in.Username != nil && *in.Username != u.Username {
			var taken bool
			if taken, failure = s.usernameTaken(ctx, q, org.ID, *in.Username); failure != nil {
				return errRollback
			} else if taken {
				failure = errUsernameTaken(*in.Username)
				return errRollback
			}
		}
		set(&u.Username, in.Username)
		set(&u.Name, in.Name)
		set(&u.Description, in.Description)
		set(&u.Email, in.Email)
		set(&u.AccessTokenType, in.AccessTokenType)
		if !changed {
			return nil // nothing to write: sequence and dates stay
		}
		u.Meta.Touch(s.now(), c.user.ID)
		return q.UpdateUser(ctx, u)
	})
	switch {
	case failure != nil:
		return failure
	case errors.Is(err, store.ErrConflict) && in.Username != nil:
		return errUsernameTaken(*in.Username) // lost a race with another writer
	case err != nil:
		return s.internal(ctx, "update machine user", err)
	}
	writeJSON(w, http.StatusOK, machineUserEnvelope(u))
	return nil
}

func (s *Server) deleteMachineUser(w http.ResponseWriter, r *http.Request, c *caller) *apiError {
	ctx := r.Context()
	org, e := s.callerOrg(ctx, c, r.PathValue("org"))
	if e != nil {
		return e
	}
	if e := requireOrgOwner(c, org, "deleting machine users"); e != nil {
		return e
	}
	var failure *apiError
	err := s.store.InTx(ctx, func(q store.Queries) error {
		var u store.User
		if u, failure = s.getMachineUserIn(ctx, q, org.ID, r.PathValue("user")); failure != nil {
			return errRollback
		}
		// Deleting a user removes its role bindings; removing the last
		// org_owner (or the last project_owner of a project) is refused
		// exactly as unbinding it would be (role_bindings.go, lastOwner).
		bindings, err := q.ListRoleBindingsByUser(ctx, u.ID)
		if err != nil {
			return err
		}
		for _, b := range bindings {
			if failure, err = s.lastOwner(ctx, q, b, "machine user "+strconv.Quote(u.Username), "deleting it"); err != nil {
				return err
			} else if failure != nil {
				return errRollback
			}
		}
		// Its access keys, role bindings and idempotency records go with it.
		return q.DeleteUser(ctx, u.ID)
	})
	switch {
	case failure != nil:
		return failure
	case err != nil:
		return s.internal(ctx, "delete machine user", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
