package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
)

// ListMessages pages the same on both dialects: without a limit it lists
// every message (not a bound LIMIT -1, which PostgreSQL refuses), newest
// first, and an offset skips from there; a negative limit or offset is
// none.
func TestListMessagesPages(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mustCreateShare(t, db, baseShare("s1"))
	for _, detail := range []string{"001", "002", "003"} {
		c.Advance(time.Second)
		if err := db.Write(ctx, func(tx *storage.Tx) error {
			return tx.AddMessage(ctx, storage.MessageShare, "s1", storage.MessageActionShrink, detail)
		}); err != nil {
			t.Fatal(err)
		}
	}
	details := func(f storage.MessageFilter) []string {
		t.Helper()
		msgs, err := db.ListMessages(ctx, f)
		if err != nil {
			t.Fatalf("ListMessages(%+v): %v", f, err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, m.DetailID)
		}
		return out
	}
	one, minus := 1, -1
	for _, tc := range []struct {
		f    storage.MessageFilter
		want string
	}{
		{storage.MessageFilter{}, "[003 002 001]"},
		{storage.MessageFilter{Offset: 1}, "[002 001]"},
		{storage.MessageFilter{Ascending: true}, "[001 002 003]"},
		{storage.MessageFilter{Limit: &one, Offset: 1}, "[002]"},
		// Out of range, as SQLite takes them: no limit, no offset.
		{storage.MessageFilter{Limit: &minus, Offset: -1}, "[003 002 001]"},
	} {
		if got := fmt.Sprint(details(tc.f)); got != tc.want {
			t.Errorf("ListMessages(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
