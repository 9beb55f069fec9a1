package storage

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// Once the largest export id is handed out, a deleted share's id is given
// again (the smallest), and with none left ShareExports fails rather than
// give a live share's id.
func TestShareExportIDsWrapAround(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "e.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range []string{"gone-a", "gone-b", "live", "new1", "new2"} {
		if _, err := db.CreateShare(ctx, Share{ID: id, ProjectID: "p", UserID: "u", Size: 1, Proto: "NFS", Status: "available"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO share_export_ids (share_id, export_id, created_at) VALUES
		('gone-b', 9, 'x'), ('gone-a', 17, 'x'), ('live', 65535, 'x');
		UPDATE shares SET deleted = id WHERE id IN ('gone-a', 'gone-b')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	allocate := func(share string) (int, error) {
		var id int
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			id, err = tx.allocateExportID(ctx, share)
			return err
		})
		return id, err
	}
	for _, c := range []struct {
		share string
		want  int
	}{{"new1", 9}, {"new2", 17}} {
		if got, err := allocate(c.share); err != nil || got != c.want {
			t.Errorf("allocate %s = %d, %v; want %d", c.share, got, err, c.want)
		}
	}
	if got, err := allocate("new3"); !errors.Is(err, ErrExportIDsExhausted) {
		t.Errorf("allocate with no id left = %d, %v; want ErrExportIDsExhausted", got, err)
	}
	var owner string
	if err := db.reader.QueryRowContext(ctx, `SELECT share_id FROM share_export_ids WHERE export_id = 9`).Scan(&owner); err != nil || owner != "new1" {
		t.Errorf("export id 9 belongs to %q (%v), want new1", owner, err)
	}
}
