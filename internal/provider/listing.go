package provider

import (
	"context"
	"sync"
)

// listing answers, for a run with many objects of one scope (the machine
// users of an organization, the users of a cluster), the question it asks
// of each one: at refresh "what is object X now", and for machine users at
// plan time "which one has this username". One request per question is a
// request per resource: for a module of a thousand machine users, a thousand
// GETs per plan, each an authentication and a round trip on the cores
// terraform needs. So the first few questions about a scope are asked one
// by one (a plan touching one object of a large scope lists nothing), and
// past that the scope's objects are listed once, a page of a hundred per
// request, and the rest are answered from that listing.
//
// The listing is as fresh as the requests it replaces: all are taken while
// the plan runs. An object missing from it is asked about on its own, so
// one deleted outside Terraform is found by the same 404 as before. Once
// this process has changed an object of the scope (which Terraform does in
// the apply, not the refresh), reads there go back to asking one by one.
type listing[T any] struct {
	mu      sync.Mutex
	byScope map[string]*scopeListing[T]
}

// questionsBeforeListing is how many questions about one scope are asked
// one by one before the scope is listed instead.
const questionsBeforeListing = 10

type scopeListing[T any] struct {
	questions int
	// changed: this process created, updated or deleted an object of the
	// scope, so the listing may be older than that.
	changed bool
	// objects is filled once, by the first question past
	// questionsBeforeListing; failed, the questions go on one by one.
	once    sync.Once
	objects []T
	failed  bool
	// indexes are the objects by each key asked for ("id", "username"),
	// built on first use.
	indexes map[string]map[string]T
}

// lookupOptions are one question: the scope, which key (index names the
// kind: "id", "username") and how to list the scope.
type lookupOptions[T any] struct {
	scope, index, key string
	keyOf             func(T) string
	list              func(context.Context) ([]T, error)
	// despiteChanges lets the listing answer after this process changed
	// the scope: right for "is this username taken", where a username this
	// process has just taken is no conflict for another create of it.
	despiteChanges bool
}

// find counts a question and answers it from the listing when it can:
// answered false means the caller asks the API itself; answered with found
// false means the listing does not hold the key.
func (l *listing[T]) find(ctx context.Context, q lookupOptions[T]) (object T, found, answered bool) {
	s, pastThreshold, changed := l.ask(q.scope, true)
	if !pastThreshold || (changed && !q.despiteChanges) {
		return object, false, false
	}
	s.once.Do(func() {
		objects, err := q.list(ctx)
		s.objects, s.failed = objects, err != nil
	})
	if s.failed {
		return object, false, false
	}
	l.mu.Lock()
	index, ok := s.indexes[q.index]
	if !ok {
		index = make(map[string]T, len(s.objects))
		for _, o := range s.objects {
			index[q.keyOf(o)] = o
		}
		if s.indexes == nil {
			s.indexes = map[string]map[string]T{}
		}
		s.indexes[q.index] = index
	}
	l.mu.Unlock()
	object, found = index[q.key]
	return object, found, true
}

// ask counts one more question about scope when question is set, and
// returns its entry, whether the listing may answer (past
// questionsBeforeListing) and whether this process changed the scope.
func (l *listing[T]) ask(scope string, question bool) (s *scopeListing[T], pastThreshold, changed bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byScope == nil {
		l.byScope = map[string]*scopeListing[T]{}
	}
	s = l.byScope[scope]
	if s == nil {
		s = &scopeListing[T]{}
		l.byScope[scope] = s
	}
	if question {
		s.questions++
	}
	return s, s.questions > questionsBeforeListing, s.changed
}

// changed tells whether this process has changed an object of scope.
func (l *listing[T]) changed(scope string) bool {
	_, _, changed := l.ask(scope, false)
	return changed
}

// changing notes, before it is sent, a create, update or delete in scope by
// this process: reads of the scope stop using the listing.
func (l *listing[T]) changing(scope string) {
	s, _, _ := l.ask(scope, false)
	l.mu.Lock()
	s.changed = true
	l.mu.Unlock()
}
