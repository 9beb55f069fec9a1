package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/manilite/manilite/storage"
)

// With no default limits, a reserve skips the usage counts only while
// nothing the request grows has a limit in any scope: a user's or a share
// type's own limit still refuses, and the count is the live rows'.
func TestReserveCountsWhenAnyScopeHasALimit(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustShareType(t, db, storage.ShareType{ID: "t1", Name: "gold", IsPublic: true})
	n := 0
	create := func(user string, typeID *string) error {
		n++
		_, err := db.CreateShare(ctx, storage.Share{ID: fmt.Sprintf("s%d", n), ProjectID: "p1", UserID: user, Size: 1, Proto: "NFS",
			Status: "creating", ShareTypeID: typeID}, 0)
		return err
	}
	overs := func(err error) []string {
		var qe *storage.QuotaError
		if !errors.As(err, &qe) {
			t.Fatalf("want a QuotaError, got %v", err)
		}
		return qe.Overs
	}
	for range 3 { // unlimited everywhere
		if err := create("u1", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetQuota(ctx, storage.QuotaScope{ProjectID: "p1", UserID: "u1"}, "shares", 3); err != nil {
		t.Fatal(err)
	}
	if got := overs(create("u1", nil)); !slices.Equal(got, []string{"shares"}) {
		t.Fatalf("user over its limit: overs %v", got)
	}
	if err := create("u2", nil); err != nil {
		t.Fatalf("another user, no limit of its own: %v", err)
	}
	if err := db.SetQuota(ctx, storage.QuotaScope{ProjectID: "p1", ShareTypeID: "t1"}, "gigabytes", 1); err != nil {
		t.Fatal(err)
	}
	if err := create("u2", ptr("t1")); err != nil {
		t.Fatalf("first gigabyte of the type: %v", err)
	}
	if got := overs(create("u2", ptr("t1"))); !slices.Equal(got, []string{"gigabytes"}) {
		t.Fatalf("type over its limit: overs %v", got)
	}
	if err := create("u2", nil); err != nil {
		t.Fatalf("no type, no limit: %v", err)
	}
}
