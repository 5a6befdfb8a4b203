package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/platform"
	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/private"
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

// besideStore is the path of the server's file name: in DataDir, or next to
// the sqlite file when only a store was given.
func (c Config) besideStore(name string) (string, error) {
	if c.DataDir != "" {
		return filepath.Join(c.DataDir, name), nil
	}
	if path, ok := strings.CutPrefix(c.Store, "sqlite:"); ok && path != "" {
		return filepath.Join(filepath.Dir(path), name), nil
	}
	return "", fmt.Errorf("set a data directory: the server keeps its file %s there", name)
}

// bootstrap runs once per store, at the first start: on an empty store it
// creates organization "default", project "default" and machine user "admin"
// (org_owner, and project_owner of "default"), and writes admin's key to the
// bootstrap key file — never to the log. A marker in the store makes later
// starts skip it, even if the key file was deleted.
func (s *Server) bootstrap(ctx context.Context) error {
	keyPath, err := s.cfg.besideStore(BootstrapKeyFile)
	if err != nil {
		return err
	}
	if err := private.Check(keyPath); err != nil {
		return fmt.Errorf("bootstrap access key: %w", err)
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
		return private.WriteFile(keyPath, []byte(key.Text+"\n"))
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
