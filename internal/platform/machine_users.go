package platform

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// MachineUserCreate is the input of CreateMachineUser. A nil field was left
// out by the caller.
type MachineUserCreate struct {
	ID              *string // nil: a generated id
	Username        *string // required
	Name            *string // nil: the username
	Description     string
	Email           string
	AccessTokenType *string          // nil: TokenTypeBearer
	AccessKey       *AccessKeyCreate // the initial key, if one is asked for
}

// Check adds the field rules the input breaks to v. The initial key's
// fields come first: that is the order the API has always listed them in.
func (in MachineUserCreate) Check(v *Violations) {
	if in.AccessKey != nil {
		in.AccessKey.check(v, "accessKey.")
	}
	checkOptional(v, "id", in.ID, checkID)
	checkRequired(v, "username", in.Username, "is required", checkUsername)
	checkOptional(v, "name", in.Name, checkDisplayName)
	checkDescription(v, "description", in.Description)
	checkEmail(v, "email", in.Email)
	checkOptional(v, "accessTokenType", in.AccessTokenType, checkTokenType)
}

// MachineUserPatch is the input of UpdateMachineUser: nil leaves a field as
// it is.
type MachineUserPatch struct {
	Username, Name, Description, Email, AccessTokenType *string
}

// Check adds the field rules the patch breaks to v.
func (in MachineUserPatch) Check(v *Violations) {
	checkOptional(v, "username", in.Username, checkUsername)
	checkOptional(v, "name", in.Name, checkDisplayName)
	checkOptional(v, "description", in.Description, checkDescription)
	checkOptional(v, "email", in.Email, checkEmail)
	checkOptional(v, "accessTokenType", in.AccessTokenType, checkTokenType)
}

// MachineUserNotFound is the answer about a machine user that does not
// exist in the organization looked in (people are not machine users).
func MachineUserNotFound(id string) *Error {
	return Errorf(NotFound, "machine user %q not found", id)
}

// MachineUser returns the machine user id of organization orgID.
func (s *Service) MachineUser(ctx context.Context, q store.Queries, orgID, id string) (store.User, error) {
	return Find(func() (store.User, error) { return UserIn(ctx, q, orgID, id) },
		func(u store.User) bool { return u.Type == store.UserTypeMachine },
		MachineUserNotFound(id), "get machine user")
}

func usernameTaken(username string) *Error {
	return FieldErrorf(AlreadyExists, "username",
		"a user named %q already exists in this organization; choose another username", username)
}

// checkUsernameFree refuses username when another user of org has it.
func checkUsernameFree(ctx context.Context, q store.Queries, orgID, username string) error {
	found, err := q.CountUsers(ctx, store.UserFilter{OrganizationID: orgID, Username: username})
	switch {
	case err != nil:
		return fmt.Errorf("check username: %w", err)
	case found > 0:
		return usernameTaken(username)
	}
	return nil
}

// CreateMachineUser creates a machine user in org and, when the input asks
// for one, its initial access key.
func (s *Service) CreateMachineUser(ctx context.Context, q store.Queries, by Actor, org store.Organization,
	in MachineUserCreate) (store.User, *IssuedKey, error) {
	if err := check(in); err != nil {
		return store.User{}, nil, err
	}
	// A caller-chosen id is unique in the organization, and says nothing
	// about other organizations' ids (user_ids.go).
	id := uuid.NewString()
	if in.ID != nil {
		id = storedChosenID(org.ID, *in.ID)
		if _, err := UserIn(ctx, q, org.ID, *in.ID); err == nil {
			return store.User{}, nil, FieldErrorf(AlreadyExists, "id",
				"a user with id %q already exists in this organization; choose another id or omit it to get a generated one", *in.ID)
		} else if !errors.Is(err, store.ErrNotFound) {
			return store.User{}, nil, fmt.Errorf("check id: %w", err)
		}
	}
	if err := checkUsernameFree(ctx, q, org.ID, *in.Username); err != nil {
		return store.User{}, nil, err
	}
	count, err := q.CountUsers(ctx, store.UserFilter{OrganizationID: org.ID, Type: store.UserTypeMachine})
	if err != nil {
		return store.User{}, nil, fmt.Errorf("count machine users: %w", err)
	}
	if count >= s.machineUserQuota {
		return store.User{}, nil, Errorf(QuotaExceeded,
			"organization %q has reached its quota of %d machine users; delete machine users it no longer needs, "+
				"or ask the platform operator to raise the quota (pgcloud-server serve --machine-user-quota N, "+
				"or the environment variable PGCLOUD_SERVER_MACHINE_USER_QUOTA)", org.Name, s.machineUserQuota)
	}
	u := store.User{ID: id, OrganizationID: org.ID, Type: store.UserTypeMachine, Username: *in.Username,
		Name: valueOr(in.Name, *in.Username), Description: in.Description, Email: in.Email,
		AccessTokenType: valueOr(in.AccessTokenType, TokenTypeBearer), Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return store.User{}, nil, Errorf(AlreadyExists, "a user with this id or username already exists; choose another")
	} else if err != nil {
		return store.User{}, nil, fmt.Errorf("create machine user: %w", err)
	}
	if in.AccessKey == nil {
		return u, nil, nil
	}
	key, err := s.CreateAccessKey(ctx, q, by, u, *in.AccessKey)
	if err != nil {
		return store.User{}, nil, err
	}
	return u, &key, nil
}

func valueOr(p *string, otherwise string) string {
	if p == nil {
		return otherwise
	}
	return *p
}

// UpdateMachineUser changes the fields the patch sets. A patch that changes
// nothing writes nothing: the sequence and dates stay.
func (s *Service) UpdateMachineUser(ctx context.Context, q store.Queries, by Actor, orgID, id string,
	in MachineUserPatch) (store.User, error) {
	if err := check(in); err != nil {
		return store.User{}, err
	}
	u, err := s.MachineUser(ctx, q, orgID, id)
	if err != nil {
		return store.User{}, err
	}
	if in.Username != nil && *in.Username != u.Username {
		if err := checkUsernameFree(ctx, q, orgID, *in.Username); err != nil {
			return store.User{}, err
		}
	}
	changed := false
	for _, f := range []struct{ dst, value *string }{
		{&u.Username, in.Username}, {&u.Name, in.Name}, {&u.Description, in.Description},
		{&u.Email, in.Email}, {&u.AccessTokenType, in.AccessTokenType},
	} {
		if f.value != nil && *f.value != *f.dst {
			*f.dst, changed = *f.value, true
		}
	}
	if !changed {
		return u, nil
	}
	u.Meta.Touch(s.Now(), string(by))
	if err := q.UpdateUser(ctx, u); errors.Is(err, store.ErrConflict) && in.Username != nil {
		return store.User{}, usernameTaken(*in.Username) // lost a race with another writer
	} else if err != nil {
		return store.User{}, fmt.Errorf("update machine user: %w", err)
	}
	return u, nil
}

// DeleteMachineUser deletes a machine user with its access keys and role
// bindings. Removing its bindings obeys the last-owner rule exactly as
// unbinding them would.
func (s *Service) DeleteMachineUser(ctx context.Context, q store.Queries, orgID, id string) error {
	u, err := s.MachineUser(ctx, q, orgID, id)
	if err != nil {
		return err
	}
	bindings, err := q.ListRoleBindingsByUser(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list role bindings: %w", err)
	}
	for _, b := range bindings {
		if err := checkNotLastOwner(ctx, q, b, "machine user "+strconv.Quote(u.Username), "deleting it"); err != nil {
			return err
		}
	}
	// Its access keys, role bindings and idempotency records go with it.
	if err := q.DeleteUser(ctx, u.ID); err != nil {
		return fmt.Errorf("delete machine user: %w", err)
	}
	return nil
}
