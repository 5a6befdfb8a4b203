package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

const (
	// BootstrapKeyFile is the name, inside the data directory, of the file
	// that receives the first admin's access key.
	BootstrapKeyFile = "bootstrap-access-key"

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
		if err := q.SetState(ctx, stateBootstrapped, timestamp(s.platform.Now())); err != nil {
			return err
		}
		if n, err := q.CountOrganizations(ctx); err != nil {
			return err
		} else if n > 0 {
			// The operator set the store up by hand before the first start.
			return nil
		}
		// The first objects obey the platform's rules like any others.
		if org, err = s.platform.CreateOrganization(ctx, q, platform.System, defaultOrgName); err != nil {
			return err
		}
		project, err := s.platform.CreateProject(ctx, q, platform.System, org, defaultProjectName)
		if err != nil {
			return err
		}
		username, keyName, keyDays := adminUsername, "bootstrap", float64(bootstrapKeyDays)
		var key *platform.IssuedKey
		admin, key, err = s.platform.CreateMachineUser(ctx, q, platform.System, org, platform.MachineUserCreate{
			Username: &username, Description: "Created at the first start of the server; owns the default organization.",
			AccessKey: &platform.AccessKeyCreate{Name: &keyName, ExpiresInDays: &keyDays}})
		if err != nil {
			return err
		}
		for _, owner := range []struct {
			scope platform.Scope
			role  string
		}{{platform.Scope{Org: org}, platform.RoleOrgOwner}, {platform.Scope{Org: org, Project: project}, platform.RoleProjectOwner}} {
			in := platform.RoleBindingCreate{Scope: owner.scope, UserID: admin.ID, Role: &owner.role}
			if _, err := s.platform.Bind(ctx, q, platform.System, in); err != nil {
				return err
			}
		}
		// The file is written before the commit: if the commit fails the
		// file is removed below; if the process dies in between, the next
		// start bootstraps again and overwrites it.
		wroteKey = true
		return writeSecretFile(keyPath, key.Text+"\n")
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
