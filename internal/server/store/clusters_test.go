package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestClusters(t *testing.T) {
	forEachStore(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s, meta := openSeeded(t, db, "p1", "p2")
		c := Cluster{ID: "c1", ProjectID: "p1", Name: "main", DSN: "postgres://x", PostgresVersion: "15.18", Meta: meta}
		must(t, s.CreateCluster(ctx, c))
		meta2 := NewMeta(seedTime.Add(time.Second), "system")
		must(t, s.CreateCluster(ctx, Cluster{ID: "c3", ProjectID: "p1", Name: "b", DSN: "d", PostgresVersion: "15", Meta: meta2}))
		must(t, s.CreateCluster(ctx, Cluster{ID: "c4", ProjectID: "p2", Name: "main", DSN: "d", PostgresVersion: "15", Meta: meta}))
		got, err := s.GetCluster(ctx, "c1")
		c.OrganizationID = "o"
		if err != nil || got != c {
			t.Fatalf("get: %+v %v, want %+v", got, err, c)
		}
		items, total, err := s.ListClusters(ctx, ClusterFilter{ProjectID: "p1"}, Page{Limit: 1, Offset: 1})
		if err != nil || total != 2 || len(items) != 1 || items[0].ID != "c3" {
			t.Fatalf("list p1 page 2: %+v %d %v", items, total, err)
		}
		items, total, err = s.ListClusters(ctx, ClusterFilter{Name: "main"}, Page{Limit: 10})
		if err != nil || total != 2 || len(items) != 2 {
			t.Fatalf("list by name: %+v %d %v", items, total, err)
		}
		must(t, s.SetClusterDSN(ctx, "c1", "sealed:abc"))
		if got, err := s.GetCluster(ctx, "c1"); err != nil || got.DSN != "sealed:abc" {
			t.Fatalf("after SetClusterDSN: %+v %v", got, err)
		}
		if _, err := s.GetCluster(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get missing: %v", err)
		}
	})
}
