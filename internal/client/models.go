package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// User types.
const (
	UserTypePerson  = "person"
	UserTypeMachine = "machine"
)

// Role scopes.
const (
	ScopeOrganization = "organization"
	ScopeProject      = "project"
)

// Metadata is the envelope's "metadata".
type Metadata struct {
	CreatedDate      time.Time
	LastModifiedDate time.Time
	CreatedBy        string
	LastModifiedBy   string
	ResourceOwner    string
	Sequence         int64
}

// Organization is an organization ("organization").
type Organization struct {
	ID       string
	Name     string
	Metadata Metadata
}

// Project is a project ("project").
type Project struct {
	ID             string
	Name           string
	OrganizationID string
	Metadata       Metadata
}

// Role is a role ("role"); its id is its name.
type Role struct {
	Name        string
	Scope       string // "organization" | "project"
	Description string
}

// User is a person or machine of an organization ("user").
type User struct {
	ID             string
	Type           string // "person" | "machine"
	OrganizationID string
	Username       string
	Name           string
	Email          string
	Metadata       Metadata
}

// MachineUser is a machine user ("machine-user").
type MachineUser struct {
	ID              string
	OrganizationID  string
	Username        string
	Name            string
	Description     string
	Email           string
	AccessTokenType string
	Metadata        Metadata
	// AccessKey is the initial access key (with its Secret) when the create
	// asked for one; nil in every other answer.
	AccessKey *AccessKey
}

// MachineUserCreate is the body of a machine-user create; empty fields are
// omitted.
type MachineUserCreate struct {
	ID              string `json:"id,omitempty"`
	Username        string `json:"username"`
	Name            string `json:"name,omitempty"`
	Description     string `json:"description,omitempty"`
	Email           string `json:"email,omitempty"`
	AccessTokenType string `json:"accessTokenType,omitempty"`
	// AccessKey asks for an initial access key, returned with its secret in
	// MachineUser.AccessKey.
	AccessKey *AccessKeyCreate `json:"accessKey,omitempty"`
}

// MachineUserUpdate is the body of a machine-user PATCH; nil fields are
// omitted, a pointer to "" is sent (and clears description/email).
type MachineUserUpdate struct {
	Username        *string `json:"username,omitempty"`
	Name            *string `json:"name,omitempty"`
	Description     *string `json:"description,omitempty"`
	Email           *string `json:"email,omitempty"`
	AccessTokenType *string `json:"accessTokenType,omitempty"`
}

// RoleBindingRef is a role binding of the caller, as listed by /whoami.
type RoleBindingRef struct {
	ID             string `json:"id"`
	Role           string `json:"role"`
	Scope          string `json:"scope"`
	OrganizationID string `json:"organizationId"`
	ProjectID      string `json:"projectId"` // "" for organization bindings
}

// WhoAmI is the caller: its user, organization and role bindings.
type WhoAmI struct {
	User         User             `json:"user"`
	Organization Organization     `json:"organization"`
	RoleBindings []RoleBindingRef `json:"roleBindings"`
}

// ---- wire form ----

// wireTime decodes RFC3339(Nano) timestamps leniently: null and "" are zero.
type wireTime time.Time

func (t *wireTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = wireTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if s == "" {
		*t = wireTime{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("timestamp %q: %w", s, err)
	}
	*t = wireTime(v.UTC())
	return nil
}

type wireMetadata struct {
	CreatedDate      wireTime `json:"createdDate"`
	CreatedBy        string   `json:"createdBy"`
	LastModifiedDate wireTime `json:"lastModifiedDate"`
	LastModifiedBy   string   `json:"lastModifiedBy"`
	ResourceOwner    string   `json:"resourceOwner"`
	Sequence         int64    `json:"sequence"`
}

func (m wireMetadata) model() Metadata {
	return Metadata{
		CreatedDate:      time.Time(m.CreatedDate),
		LastModifiedDate: time.Time(m.LastModifiedDate),
		CreatedBy:        m.CreatedBy,
		LastModifiedBy:   m.LastModifiedBy,
		ResourceOwner:    m.ResourceOwner,
		Sequence:         m.Sequence,
	}
}

// envelope is the wire form of every object; the client reads only the
// fields its models carry.
type envelope[P any] struct {
	ID         string       `json:"id"`
	Metadata   wireMetadata `json:"metadata"`
	Properties P            `json:"properties"`
}

type organizationProps struct {
	Name string `json:"name"`
}

type projectProps struct {
	Name           string `json:"name"`
	OrganizationID string `json:"organizationId"`
}

type roleProps struct {
	Name        string `json:"name"`
	Scope       string `json:"scope"`
	Description string `json:"description"`
}

type userProps struct {
	UserType       string `json:"userType"`
	OrganizationID string `json:"organizationId"`
	Username       string `json:"username"`
	Name           string `json:"name"`
	Email          string `json:"email"`
}

type machineUserProps struct {
	OrganizationID  string `json:"organizationId"`
	Username        string `json:"username"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	Email           string `json:"email"`
	AccessTokenType string `json:"accessTokenType"`
	// AccessKey is only in the answer of a create that asked for a key.
	AccessKey *accessKeyProps `json:"accessKey"`
}

// decodeEnvelope decodes b, the envelope of one what ("organization", …),
// into *dst with model; unknown fields are ignored.
func decodeEnvelope[P, M any](b []byte, what string, dst *M, model func(envelope[P]) M) error {
	var e envelope[P]
	if err := json.Unmarshal(b, &e); err != nil {
		return fmt.Errorf("decoding %s: %w", what, err)
	}
	*dst = model(e)
	return nil
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (o *Organization) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "organization", o, func(e envelope[organizationProps]) Organization {
		return Organization{ID: e.ID, Name: e.Properties.Name, Metadata: e.Metadata.model()}
	})
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (p *Project) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "project", p, func(e envelope[projectProps]) Project {
		return Project{ID: e.ID, Name: e.Properties.Name, OrganizationID: e.Properties.OrganizationID, Metadata: e.Metadata.model()}
	})
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (r *Role) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "role", r, func(e envelope[roleProps]) Role {
		name := e.Properties.Name
		if name == "" {
			name = e.ID
		}
		return Role{Name: name, Scope: e.Properties.Scope, Description: e.Properties.Description}
	})
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (u *User) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "user", u, func(e envelope[userProps]) User {
		return User{
			ID: e.ID, Type: e.Properties.UserType, OrganizationID: e.Properties.OrganizationID,
			Username: e.Properties.Username, Name: e.Properties.Name, Email: e.Properties.Email,
			Metadata: e.Metadata.model(),
		}
	})
}

// UnmarshalJSON decodes the envelope form; unknown fields are ignored.
func (m *MachineUser) UnmarshalJSON(b []byte) error {
	return decodeEnvelope(b, "machine user", m, func(e envelope[machineUserProps]) MachineUser {
		p := e.Properties
		mu := MachineUser{
			ID: e.ID, OrganizationID: p.OrganizationID, Username: p.Username, Name: p.Name,
			Description: p.Description, Email: p.Email, AccessTokenType: p.AccessTokenType,
			Metadata: e.Metadata.model(),
		}
		if p.AccessKey != nil {
			key := p.AccessKey.model("", Metadata{})
			mu.AccessKey = &key
		}
		return mu
	})
}
