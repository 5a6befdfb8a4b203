package platform

import (
	"context"
	"errors"
	"strings"

	"github.com/pgcloud/terraform-provider-pgcloud/internal/server/store"
)

// A caller-chosen machine-user id is unique in its organization, not across
// the platform: were it global, an organization could learn which ids
// another one uses (its create of "ci" would get 409 where another's gets
// 201). The store's user ids are global, so the store keeps a chosen id
// prefixed with its organization, "<organization id>:<chosen id>", and the
// API shows it without the prefix. Generated ids (UUIDs) are kept as they
// are. Neither form of id contains ":" (chosen ids keep to letters, digits,
// '.', '_' and '-'), so the prefix is never ambiguous. Ids chosen before
// this rule were stored without the prefix; they are still found.

// storedChosenID is the store's id of the id chosen in organization orgID.
func storedChosenID(orgID, id string) string { return orgID + ":" + id }

// PublicUserID is the id the API shows for a user id of the store.
func PublicUserID(stored string) string {
	if _, id, ok := strings.Cut(stored, ":"); ok {
		return id
	}
	return stored
}

// UserIn returns the user of organization orgID whose id, as the API shows
// it, is id; store.ErrNotFound (wrapped) when there is none, also when id is
// another organization's.
func UserIn(ctx context.Context, q store.Queries, orgID, id string) (store.User, error) {
	for _, stored := range []string{storedChosenID(orgID, id), id} {
		u, err := q.GetUser(ctx, stored)
		switch {
		case errors.Is(err, store.ErrNotFound) || err == nil && u.OrganizationID != orgID:
			continue
		case err != nil:
			return store.User{}, err
		}
		return u, nil
	}
	return store.User{}, store.ErrNotFound
}
