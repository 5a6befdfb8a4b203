package platform

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// Organizations, projects and people are created by the operator (and the
// first ones by the bootstrap); the API only reads them.

// CreateOrganization creates an organization; names are unique.
func (s *Service) CreateOrganization(ctx context.Context, q store.Queries, by Actor, name string) (store.Organization, error) {
	if err := checkOne(checkResourceName, "organization name", name); err != nil {
		return store.Organization{}, err
	}
	o := store.Organization{ID: uuid.NewString(), Name: name, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateOrganization(ctx, o); errors.Is(err, store.ErrConflict) {
		return store.Organization{}, Errorf(AlreadyExists, "an organization named %q already exists", name)
	} else if err != nil {
		return store.Organization{}, fmt.Errorf("create organization: %w", err)
	}
	return o, nil
}

// CreateProject creates a project in org; names are unique in an
// organization.
func (s *Service) CreateProject(ctx context.Context, q store.Queries, by Actor, org store.Organization, name string) (store.Project, error) {
	if err := checkOne(checkResourceName, "project name", name); err != nil {
		return store.Project{}, err
	}
	p := store.Project{ID: uuid.NewString(), OrganizationID: org.ID, Name: name, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateProject(ctx, p); errors.Is(err, store.ErrConflict) {
		return store.Project{}, Errorf(AlreadyExists, "organization %q already has a project named %q", org.Name, name)
	} else if err != nil {
		return store.Project{}, fmt.Errorf("create project: %w", err)
	}
	return p, nil
}

// CreatePerson adds a person to org. A person's username is its email, and
// so is its name. It holds no role until one is bound.
func (s *Service) CreatePerson(ctx context.Context, q store.Queries, by Actor, org store.Organization, email string) (store.User, error) {
	if !validEmail(email) {
		return store.User{}, FieldErrorf(InvalidArgument, "email",
			"%q is not a valid email address (want a bare address like name@example.com)", email)
	}
	u := store.User{ID: uuid.NewString(), OrganizationID: org.ID, Type: store.UserTypePerson, Username: email,
		Name: email, Email: email, Meta: store.NewMeta(s.Now(), string(by))}
	if err := q.CreateUser(ctx, u); errors.Is(err, store.ErrConflict) {
		return store.User{}, Errorf(AlreadyExists, "organization %q already has a user %q", org.Name, email)
	} else if err != nil {
		return store.User{}, fmt.Errorf("create person: %w", err)
	}
	return u, nil
}

// checkOne runs one field rule on value and returns its violation, if any,
// as an error about that field.
func checkOne(rule func(v *Violations, field, value string), field, value string) error {
	var v Violations
	rule(&v, field, value)
	if len(v) == 0 {
		return nil
	}
	return FieldErrorf(InvalidArgument, v[0].Field, "%s", v[0].Message)
}
