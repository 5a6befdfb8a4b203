package server

import (
	"context"
	"net/http"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
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

func machineUsersHref(orgID string) string { return organizationHref(orgID) + "/machine-users" }

func machineUserEnvelope(u store.User) envelope {
	id := platform.PublicUserID(u.ID)
	return envelope{Type: "machine-user", ID: id, Href: machineUsersHref(u.OrganizationID) + "/" + pathID(id),
		Metadata: metadata(u.Meta, u.OrganizationID),
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

func parseMachineUserCreate(body []byte) (platform.MachineUserCreate, error) {
	return decodeInput(body, machineUserCreateFields, nil, func(o *jsonObject, v *platform.Violations) platform.MachineUserCreate {
		in := platform.MachineUserCreate{ID: o.str("id"), Username: o.str("username"), Name: o.str("name"),
			Description: o.strOrEmpty("description"), Email: o.strOrEmpty("email"), AccessTokenType: o.str("accessTokenType")}
		if ko := o.object("accessKey"); ko != nil {
			ko.rejectOthers(v, "accessKey.", accessKeyCreateFields, nil)
			k := readAccessKeyCreate(ko)
			o.adopt(ko, "accessKey")
			in.AccessKey = &k
		}
		return in
	})
}

func parseMachineUserPatch(body []byte) (platform.MachineUserPatch, error) {
	return decodeInput(body, machineUserPatchFields, immutableMachineUser, func(o *jsonObject, _ *platform.Violations) platform.MachineUserPatch {
		return platform.MachineUserPatch{Username: o.str("username"), Name: o.str("name"), Description: o.str("description"),
			Email: o.str("email"), AccessTokenType: o.str("accessTokenType")}
	})
}

// ---- handlers ----

func (s *Server) listMachineUsers(w http.ResponseWriter, r *http.Request, c *caller) error {
	orgID, err := callerOrgID(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	return writeList(w, r, machineUsersHref(orgID), machineUserEnvelope, func(p store.Page, q *listQuery) ([]store.User, int, error) {
		f := store.UserFilter{OrganizationID: orgID, Type: store.UserTypeMachine, Username: q.param("username")}
		return s.store.ListUsers(r.Context(), f, p)
	})
}

func (s *Server) getMachineUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	orgID, err := callerOrgID(c, r.PathValue("org"))
	if err != nil {
		return err
	}
	u, err := s.platform.MachineUser(r.Context(), s.store, orgID, r.PathValue("user"))
	return writeFound(w, machineUserEnvelope, u, err)
}

func (s *Server) createMachineUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	org, err := s.ownedOrg(r, c, "creating machine users")
	if err != nil {
		return err
	}
	return create(s, w, r, c, parseMachineUserCreate, func(ctx context.Context, q store.Queries, in platform.MachineUserCreate) (envelope, error) {
		u, key, err := s.platform.CreateMachineUser(ctx, q, c.actor(), org, in)
		if err != nil {
			return envelope{}, err
		}
		env := machineUserEnvelope(u)
		if key != nil {
			kp := s.accessKeyProps(key.AccessKey, org.ID)
			kp.ID, kp.Secret = key.ID, key.Text
			props := env.Properties.(machineUserProps)
			props.AccessKey = &kp
			env.Properties = props
		}
		return env, nil
	})
}

func (s *Server) updateMachineUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	org, err := s.ownedOrg(r, c, "changing machine users")
	if err != nil {
		return err
	}
	in, _, err := readInput(r, parseMachineUserPatch)
	if err != nil {
		return err
	}
	u, err := store.Tx(ctx, s.store, func(q store.Queries) (store.User, error) {
		return s.platform.UpdateMachineUser(ctx, q, c.actor(), org.ID, r.PathValue("user"), in)
	})
	return writeFound(w, machineUserEnvelope, u, err)
}

func (s *Server) deleteMachineUser(w http.ResponseWriter, r *http.Request, c *caller) error {
	ctx := r.Context()
	org, err := s.ownedOrg(r, c, "deleting machine users")
	if err != nil {
		return err
	}
	id := r.PathValue("user")
	return writeDeleted(w, s.store.InTx(ctx, func(q store.Queries) error {
		// Its keys and role bindings go with it, and so do the records of
		// their creates: the keys' are below the machine user's href, the
		// bindings' are not.
		bindings, err := q.ListRoleBindingsByUser(ctx, id)
		if err != nil {
			return err
		}
		if err := s.platform.DeleteMachineUser(ctx, q, org.ID, id); err != nil {
			return err
		}
		hrefs := []string{machineUsersHref(org.ID) + "/" + pathID(id)}
		for _, b := range bindings {
			hrefs = append(hrefs, roleBindingEnvelope(b).Href)
		}
		for _, href := range hrefs {
			if err := q.ForgetIdempotencyRecords(ctx, href); err != nil {
				return err
			}
		}
		return nil
	}))
}
