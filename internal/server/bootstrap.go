package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	// BootstrapKeyFile is the name, inside the data directory, of the file
	// that receives the first admin's access key.
	BootstrapKeyFile = "bootstrap-access-key"

	// systemActor is createdBy/lastModifiedBy of what the platform itself or
	// its operator (admin commands) made, as opposed to an API caller.
	systemActor = "system"

	stateBootstrapped  = "bootstrapped_at"
	bootstrapKeyDays   = 365
	defaultOrgName     = "default"
	defaultProjectName = "default"
	adminUsername      = "admin"
)

// bootstrapKeyPath is <DataDir>/bootstrap-access-key, or next to the sqlite
// file when only a store was given.
func (c Config) bootstrapKeyPath() (string, error) {
	if c.DataDir != "" {
		return filepath.Join(c.DataDir, BootstrapKeyFile), nil
	}
	if path, ok := strings.CutPrefix(c.Store, "sqlite:"); ok {
		return filepath.Join(filepath.Dir(path), BootstrapKeyFile), nil
	}
	return "", errors.New("set a data directory: the bootstrap access key is written there")
}

// bootstrap runs once per store, at the first start: on an empty store it
// creates organization "default", project "default" and machine user "admin"
// (org_owner, and project_owner of "default"), and writes admin's key to the
// bootstrap key file — never to the log. A marker in the store makes later
// starts skip it, even if the key file was deleted.
func (s *Server) bootstrap(ctx context.Context) error {
	keyPath, err := s.cfg.bootstrapKeyPath()
	if err != nil {
		return err
	}
	var (
		wroteKey bool
		org      store.Organization
		admin    store.User
	)
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if _, err := q.GetState(ctx, stateBootstrapped); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		now := s.now()
		if err := q.SetState(ctx, stateBootstrapped, timestamp(now)); err != nil {
			return err
		}
		if n, err := q.CountOrganizations(ctx); err != nil {
			return err
		} else if n > 0 {
			// The operator set the store up by hand before the first start.
			return nil
		}
		meta := store.NewMeta(now, systemActor)
		org = store.Organization{ID: uuid.NewString(), Name: defaultOrgName, Meta: meta}
		project := store.Project{ID: uuid.NewString(), OrganizationID: org.ID, Name: defaultProjectName, Meta: meta}
		admin = store.User{ID: uuid.NewString(), OrganizationID: org.ID, Type: store.UserTypeMachine,
			Username: adminUsername, Name: adminUsername, AccessTokenType: tokenTypeBearer,
			Description: "Created at the first start of the server; owns the default organization.", Meta: meta}
		text, keyID, hash := newAccessKey()
		steps := []func() error{
			func() error { return q.CreateOrganization(ctx, org) },
			func() error { return q.CreateProject(ctx, project) },
			func() error { return q.CreateUser(ctx, admin) },
			func() error {
				return q.CreateRoleBinding(ctx, store.RoleBinding{ID: uuid.NewString(), Scope: store.ScopeOrganization,
					OrganizationID: org.ID, UserID: admin.ID, Role: roleOrgOwner, Meta: meta})
			},
			func() error {
				return q.CreateRoleBinding(ctx, store.RoleBinding{ID: uuid.NewString(), Scope: store.ScopeProject,
					OrganizationID: org.ID, ProjectID: project.ID, UserID: admin.ID, Role: roleProjectOwner, Meta: meta})
			},
			func() error {
				return q.CreateAccessKey(ctx, store.AccessKey{ID: keyID, UserID: admin.ID, Name: "bootstrap",
					SecretHash: hash, Suffix: keySuffix(text), ExpiresAt: now.AddDate(0, 0, bootstrapKeyDays), Meta: meta})
			},
			// The file is written before the commit: if the commit fails the
			// file is removed below; if the process dies in between, the next
			// start bootstraps again and overwrites it.
			func() error { wroteKey = true; return writeSecretFile(keyPath, text+"\n") },
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if wroteKey {
			_ = os.Remove(keyPath)
		}
		return fmt.Errorf("bootstrap: %w", err)
	}
	if wroteKey {
		s.log.Info("bootstrapped an empty store", "organization_id", org.ID, "admin_user_id", admin.ID,
			"access_key_file", keyPath)
	}
	return nil
}

// writeSecretFile replaces path with content, readable by the owner only. It
// writes a temporary file and renames it, so a reader never sees half a key.
func writeSecretFile(path, content string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename this is a no-op
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
