package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestSQLiteClusters(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	s, meta := openSeeded(t, at, "p1", "p2")
	c := Cluster{ID: "c1", ProjectID: "p1", Name: "main", DSN: "postgres://x", PostgresVersion: "15.18", Meta: meta}
	if err := s.CreateCluster(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCluster(ctx, Cluster{ID: "c2", ProjectID: "p1", Name: "main", DSN: "d", PostgresVersion: "15", Meta: meta}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate name in a project: %v", err)
	}
	meta2 := NewMeta(at.Add(time.Second), "system")
	if err := s.CreateCluster(ctx, Cluster{ID: "c3", ProjectID: "p1", Name: "b", DSN: "d", PostgresVersion: "15", Meta: meta2}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCluster(ctx, Cluster{ID: "c4", ProjectID: "p2", Name: "main", DSN: "d", PostgresVersion: "15", Meta: meta}); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCluster(ctx, "c1")
	c.OrganizationID = "o"
	if err != nil || got != c {
		t.Fatalf("get: %+v %v, want %+v", got, err, c)
	}
	if _, err := s.GetCluster(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	items, total, err := s.ListClusters(ctx, ClusterFilter{ProjectID: "p1"}, Page{Limit: 1, Offset: 1})
	if err != nil || total != 2 || len(items) != 1 || items[0].ID != "c3" {
		t.Fatalf("list p1 page 2: %+v %d %v", items, total, err)
	}
	items, total, err = s.ListClusters(ctx, ClusterFilter{Name: "main"}, Page{Limit: 10})
	if err != nil || total != 2 || len(items) != 2 {
		t.Fatalf("list by name: %+v %d %v", items, total, err)
	}
	// A project's clusters go with it.
	if _, err := s.(*SQLite).db.ExecContext(ctx, "DELETE FROM projects WHERE id = 'p1'"); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := s.ListClusters(ctx, ClusterFilter{}, Page{Limit: 10}); total != 1 {
		t.Fatalf("%d clusters after deleting their project, want 1", total)
	}
}
