package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestInTxAllOrNothing(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)

		// A failed transaction leaves nothing behind, and its error comes
		// out as fn returned it.
		boom := errors.New("boom")
		if err := s.InTx(ctx, func(q Queries) error {
			must(t, q.CreateOrganization(ctx, Organization{ID: "o2", Name: "o2", Meta: m}))
			if _, err := q.GetOrganization(ctx, "o2"); err != nil {
				t.Errorf("a transaction does not see its own write: %v", err)
			}
			return boom
		}); err != boom {
			t.Errorf("InTx: %v, want fn's error", err)
		}
		notFound(t, "rolled back organization", get(s.GetOrganization(ctx, "o2")))

		// A transaction that succeeds commits all it wrote.
		n, err := Tx(ctx, s, func(q Queries) (int, error) {
			for i := range 3 {
				id := fmt.Sprint("p", i)
				if err := q.CreateProject(ctx, Project{ID: id, OrganizationID: "o", Name: id, Meta: m}); err != nil {
					return 0, err
				}
			}
			return q.CountOrganizations(ctx)
		})
		if err != nil || n != 1 {
			t.Errorf("Tx: %d %v", n, err)
		}
		if _, total, err := s.ListProjects(ctx, ProjectFilter{}, Page{Limit: 10}); err != nil || total != 3 {
			t.Errorf("%d projects after the transaction (%v), want 3", total, err)
		}
	})
}

// Write transactions take turns across stores on one database (two
// processes, e.g. two replicas): a check made inside InTx still holds when
// the transaction writes, whichever store the other writers use.
func TestInTxSerializedAcrossStores(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, m := openSeeded(t, db)
		replicas := []Store{s, db.open(t)}

		// Read-modify-write of one counter: a lost update shows as a total
		// below the number of transactions.
		const increments = 50
		must(t, s.SetState(ctx, "counter", "0"))
		errs := runConcurrently(increments, func(i int) error {
			return replicas[i%len(replicas)].InTx(ctx, func(q Queries) error {
				v, err := q.GetState(ctx, "counter")
				if err != nil {
					return err
				}
				n, err := strconv.Atoi(v)
				if err != nil {
					return err
				}
				time.Sleep(time.Millisecond) // widen the window another writer would need
				return q.SetState(ctx, "counter", strconv.Itoa(n+1))
			})
		})
		for _, err := range errs {
			must(t, err)
		}
		if v, err := s.GetState(ctx, "counter"); err != nil || v != strconv.Itoa(increments) {
			t.Errorf("counter %q (%v) after %d increments", v, err, increments)
		}

		// A write outside InTx, on the other store, waits for the
		// transaction in progress: it does not land between its read and
		// its write (which would then overwrite it).
		read := make(chan struct{})
		var outside sync.WaitGroup
		outside.Go(func() {
			<-read
			if err := replicas[1].SetState(ctx, "counter", "written outside"); err != nil {
				t.Error(err)
			}
		})
		must(t, replicas[0].InTx(ctx, func(q Queries) error {
			v, err := q.GetState(ctx, "counter")
			close(read)
			time.Sleep(100 * time.Millisecond)
			return errors.Join(err, q.SetState(ctx, "counter", v+"+1"))
		}))
		outside.Wait()
		if v, err := s.GetState(ctx, "counter"); err != nil || v != "written outside" {
			t.Errorf("counter %q (%v): the write outside a transaction did not wait for it", v, err)
		}

		// Check-then-insert with no unique constraint behind it (a quota of
		// one key per user): exactly one transaction inserts.
		must(t, s.CreateUser(ctx, User{ID: "u", OrganizationID: "o", Type: UserTypeMachine, Username: "u", Name: "u", Meta: m}))
		const racers = 20
		inserted := make([]bool, racers)
		errs = runConcurrently(racers, func(i int) error {
			return replicas[i%len(replicas)].InTx(ctx, func(q Queries) error {
				_, n, err := q.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u"}, Page{Limit: 1})
				if err != nil || n > 0 {
					return err
				}
				time.Sleep(time.Millisecond)
				inserted[i] = true
				return q.CreateAccessKey(ctx, AccessKey{ID: fmt.Sprint("k", i), UserID: "u", Name: fmt.Sprint("key ", i),
					SecretHash: []byte{1}, ExpiresAt: seedTime, Meta: m})
			})
		})
		for _, err := range errs {
			must(t, err)
		}
		if _, n, err := s.ListAccessKeys(ctx, AccessKeyFilter{UserID: "u"}, Page{Limit: 100}); err != nil || n != 1 {
			t.Errorf("%d keys (%v) after %d racing check-then-inserts, want 1", n, err, racers)
		}
		winners := 0
		for _, ok := range inserted {
			if ok {
				winners++
			}
		}
		if winners != 1 {
			t.Errorf("%d transactions found no key and inserted one, want 1", winners)
		}
	})
}

// runConcurrently runs f(0) … f(n-1) at once and returns their errors.
func runConcurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}
