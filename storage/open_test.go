package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/storage"
)

// migrationFiles lists storage/migrations as the binary embeds it.
func migrationFiles(t *testing.T) (count, newest int) {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") || strings.HasSuffix(e.Name(), ".postgres.sql") {
			continue // an override is the same migration
		}
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		count++
		newest = max(newest, v)
	}
	if count == 0 {
		t.Fatal("no migrations found")
	}
	return count, newest
}

func TestOpenCreatesFolderAndFile(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		rel  string
	}{
		{"existing folder", "manilite.db"},
		{"missing folder", "a/b/c/manilite.db"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.rel)
			db, err := storage.Open(ctx, path, storage.Options{})
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			if db.Path() != path {
				t.Errorf("Path() = %q, want %q", db.Path(), path)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatalf("database file: %v", err)
			}
			if !st.Mode().IsRegular() {
				t.Errorf("%s is not a regular file", path)
			}
		})
	}
}

func TestOpenRejectsBadOptions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		opts storage.Options
	}{
		{"empty path", "", storage.Options{}},
		{"bad synchronous", filepath.Join(dir, "x.db"), storage.Options{Synchronous: "OFF"}},
		{"unknown synchronous", filepath.Join(dir, "y.db"), storage.Options{Synchronous: "sometimes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := storage.Open(ctx, tc.path, tc.opts)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want an error")
			}
		})
	}
}

func TestMigrationsAppliedOnce(t *testing.T) {
	ctx := context.Background()
	count, newest := migrationFiles(t)
	path := filepath.Join(t.TempDir(), "m.db")

	type applied struct {
		version int
		at      string
	}
	readApplied := func(db *storage.DB) []applied {
		var out []applied
		err := db.Write(ctx, func(tx *storage.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations ORDER BY version`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var a applied
				if err := rows.Scan(&a.version, &a.at); err != nil {
					return err
				}
				out = append(out, a)
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	var first []applied
	for i := range 3 {
		c := newClock()
		c.Advance(time.Duration(i) * time.Hour) // a re-applied migration would carry a new applied_at
		db, err := storage.Open(ctx, path, storage.Options{Now: c.Now})
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil {
			t.Fatalf("SchemaVersion: %v", err)
		}
		if v != newest {
			t.Errorf("open #%d: SchemaVersion = %d, want %d", i+1, v, newest)
		}
		got := readApplied(db)
		if len(got) != count {
			t.Errorf("open #%d: %d rows in schema_migrations, want %d", i+1, len(got), count)
		}
		if i == 0 {
			first = got
		} else if !equalApplied(first, got) {
			t.Errorf("open #%d: schema_migrations changed: %v, was %v", i+1, got, first)
		}
		if n := queryInt(t, db, `SELECT count(*) FROM share_types WHERE name = 'default'`); n != 1 {
			t.Errorf("open #%d: %d share types named default (any state), want 1", i+1, n)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func equalApplied[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDefaultShareTypeSeeded(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)

	all, err := db.ListShareTypes(ctx, storage.ShareTypeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var defaults []storage.ShareType
	for _, st := range all {
		if st.Name == "default" {
			defaults = append(defaults, st)
		}
	}
	if len(defaults) != 1 || len(all) != 1 {
		t.Fatalf("share types = %+v, want exactly one named default", all)
	}
	st := defaults[0]
	if !uuidRE.MatchString(st.ID) {
		t.Errorf("default id %q is not a version-4 UUID", st.ID)
	}
	if !st.IsPublic {
		t.Error("default share type is not public")
	}
	if st.Description != nil {
		t.Errorf("description = %q, want nil", *st.Description)
	}
	want := map[string]string{"driver_handles_share_servers": "False", "snapshot_support": "True"}
	if len(st.ExtraSpecs) != len(want) {
		t.Errorf("extra specs = %v, want %v", st.ExtraSpecs, want)
	}
	for k, v := range want {
		if st.ExtraSpecs[k] != v {
			t.Errorf("extra spec %s = %q, want %q", k, st.ExtraSpecs[k], v)
		}
	}
	if st.CreatedAt.IsZero() || time.Since(st.CreatedAt) > time.Hour || time.Since(st.CreatedAt) < -time.Minute {
		t.Errorf("created_at = %v, want about now", st.CreatedAt)
	}
	byName, err := db.GetShareTypeByName(ctx, "default")
	if err != nil || byName.ID != st.ID {
		t.Errorf("GetShareTypeByName(default) = %v, %v; want id %s", byName.ID, err, st.ID)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM share_type_extra_specs WHERE share_type_id = ?`, st.ID); n != 2 {
		t.Errorf("%d extra spec rows, want 2", n)
	}
}

func TestDefaultShareTypeSeededIndependently(t *testing.T) {
	// Two databases get two different random ids.
	a, b := openDB(t, nil), openDB(t, nil)
	sa, err := a.GetShareTypeByName(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := b.GetShareTypeByName(context.Background(), "default")
	if err != nil {
		t.Fatal(err)
	}
	if sa.ID == sb.ID {
		t.Errorf("both databases seeded default with id %s", sa.ID)
	}
}

func TestDeletedDefaultShareTypeIsNotRecreated(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.GetShareTypeByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	// The seeded default share group type holds it: delete that first.
	var inUse *storage.InUseError
	if err := db.DeleteShareType(ctx, st.ID); !errors.As(err, &inUse) || inUse.What != "share group types" {
		t.Fatalf("DeleteShareType(default) while the default share group type holds it: %v", err)
	}
	sgt, err := db.GetShareGroupTypeByName(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteShareGroupType(ctx, sgt.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteShareType(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.GetShareTypeByName(ctx, "default"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after re-open GetShareTypeByName(default) err = %v, want ErrNotFound", err)
	}
	if _, err := db.GetShareGroupTypeByName(ctx, "default"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("after re-open GetShareGroupTypeByName(default) err = %v, want ErrNotFound", err)
	}
}

func TestWriterPragmas(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		synchronous string
		want        int // PRAGMA synchronous: 1 NORMAL, 2 FULL, 3 EXTRA
	}{
		{"", 2},
		{"FULL", 2},
		{"normal", 1},
		{"EXTRA", 3},
	}
	for _, tc := range tests {
		t.Run("synchronous="+tc.synchronous, func(t *testing.T) {
			db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "p.db"), storage.Options{Synchronous: tc.synchronous})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var journal string
			var fk, sync, busy int
			err = db.Write(ctx, func(tx *storage.Tx) error {
				if err := tx.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
					return err
				}
				if err := tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
					return err
				}
				return tx.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy)
			})
			if err != nil {
				t.Fatal(err)
			}
			if journal != "wal" {
				t.Errorf("journal_mode = %q, want wal", journal)
			}
			if fk != 1 {
				t.Errorf("foreign_keys = %d, want 1", fk)
			}
			if sync != tc.want {
				t.Errorf("synchronous = %d, want %d", sync, tc.want)
			}
			if busy != 10000 {
				t.Errorf("busy_timeout = %d, want 10000", busy)
			}
		})
	}
}

func TestForeignKeysEnforced(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	err := db.Write(ctx, func(tx *storage.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO share_metadata (share_id, meta_key, value) VALUES ('no-such-share', 'k', 'v')`)
		return err
	})
	if err == nil {
		t.Fatal("metadata for a missing share was accepted")
	}
	sh := baseShare("s1")
	sh.ShareTypeID = ptr("no-such-type")
	if _, err := db.CreateShare(ctx, sh, 0); err == nil {
		t.Fatal("share with a missing share type was accepted")
	}
}

func TestWriteRollsBackOnError(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	boom := errors.New("boom")
	var now time.Time
	err := db.Write(ctx, func(tx *storage.Tx) error {
		now = tx.Now
		if err := tx.EnqueueJob(ctx, "k", "r", tx.Now, nil); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write err = %v, want the callback's error", err)
	}
	if !now.Equal(c.Now()) || now.Location() != time.UTC {
		t.Errorf("tx.Now = %v, want %v in UTC", now, c.Now())
	}
	if jobs := jobsOf(t, db, ""); len(jobs) != 0 {
		t.Errorf("rolled back job is recorded: %+v", jobs)
	}
}

func TestTxNowIsUTC(t *testing.T) {
	ctx := context.Background()
	loc := time.FixedZone("X", 5*3600+30*60)
	fixed := time.Date(2024, 6, 1, 12, 0, 0, 0, loc)
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "u.db"), storage.Options{Now: func() time.Time { return fixed }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.CreateShareType(ctx, storage.ShareType{ID: "t1", Name: "t1", IsPublic: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.CreatedAt.Location() != time.UTC {
		t.Errorf("returned CreatedAt location = %v, want UTC", st.CreatedAt.Location())
	}
	err = db.Write(ctx, func(tx *storage.Tx) error {
		if tx.Now.Location() != time.UTC || !tx.Now.Equal(fixed) {
			t.Errorf("tx.Now = %v, want %v in UTC", tx.Now, fixed.UTC())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetShareType(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.CreatedAt.Equal(fixed) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("created_at = %v, want %v in UTC", got.CreatedAt, fixed.UTC())
	}
	var raw string
	err = db.Write(ctx, func(tx *storage.Tx) error {
		return tx.QueryRowContext(ctx, `SELECT created_at FROM share_types WHERE id = 't1'`).Scan(&raw)
	})
	if err != nil {
		t.Fatal(err)
	}
	if raw != "2024-06-01T06:30:00.000000" {
		t.Errorf("stored created_at = %q, want 2024-06-01T06:30:00.000000", raw)
	}
}

func TestCommittedWriteSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustShareType(t, db, storage.ShareType{ID: "t1", Name: "gold", IsPublic: true, ExtraSpecs: map[string]string{"k": "v"}})
	sh := baseShare("s1")
	sh.Name = ptr("kept")
	sh.Metadata = map[string]string{"a": "b"}
	sh.ShareTypeID = ptr("t1")
	mustCreateShare(t, db, sh)
	if err := db.TransitionShare(ctx, "s1", move([]string{"creating"}, "available"), "", 0); err != nil {
		t.Fatal(err)
	}

	// A second handle on the same file sees the commit while the first is
	// still open (nothing checkpointed yet).
	other, err := storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.GetShare(ctx, "s1"); err != nil || got.Status != "available" {
		t.Errorf("second handle: GetShare = %+v, %v; want status available", got, err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = storage.Open(ctx, path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.GetShare(ctx, "s1")
	if err != nil {
		t.Fatalf("after re-open: %v", err)
	}
	if got.Status != "available" || strOf(got.Name) != "kept" || got.Metadata["a"] != "b" || strOf(got.ShareTypeName) != "gold" {
		t.Errorf("after re-open share = %+v", got)
	}
	if st, err := db.GetShareType(ctx, "t1"); err != nil || st.ExtraSpecs["k"] != "v" {
		t.Errorf("after re-open share type = %+v, %v", st, err)
	}
	if jobs := jobsOf(t, db, storage.JobShareCreate); len(jobs) != 1 {
		t.Errorf("after re-open %d create jobs, want 1", len(jobs))
	}
}

func TestTimeFormat(t *testing.T) {
	if storage.TimeLayout != "2006-01-02T15:04:05.000000" {
		t.Fatalf("TimeLayout = %q", storage.TimeLayout)
	}
	plus2 := time.FixedZone("+2", 2*3600)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"utc", time.Date(2024, 3, 5, 7, 8, 9, 123456000, time.UTC), "2024-03-05T07:08:09.123456"},
		{"zero fraction", time.Date(2024, 12, 31, 23, 59, 59, 0, time.UTC), "2024-12-31T23:59:59.000000"},
		{"nanoseconds truncated", time.Date(2024, 1, 1, 0, 0, 0, 999999999, time.UTC), "2024-01-01T00:00:00.999999"},
		{"other zone converted", time.Date(2024, 1, 1, 1, 30, 0, 500000, plus2), "2023-12-31T23:30:00.000500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := storage.FormatTime(tc.in)
			if got != tc.want {
				t.Fatalf("FormatTime = %q, want %q", got, tc.want)
			}
			back, err := storage.ParseTime(got)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", got, err)
			}
			if want := tc.in.Truncate(time.Microsecond); !back.Equal(want) {
				t.Errorf("round trip = %v, want %v", back, want)
			}
			if back.Location() != time.UTC {
				t.Errorf("ParseTime location = %v, want UTC", back.Location())
			}
		})
	}
}

func TestFormatTimeSortsChronologically(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []time.Duration{time.Microsecond, time.Millisecond, time.Second, time.Hour, 400 * 24 * time.Hour}
	prev := storage.FormatTime(base)
	for _, d := range steps {
		next := storage.FormatTime(base.Add(d))
		if !(prev < next) {
			t.Errorf("%q does not sort before %q", prev, next)
		}
	}
}

func TestParseTimeRejects(t *testing.T) {
	for _, s := range []string{"", "2024-03-05 07:08:09.123456", "2024-03-05T07:08:09.123456Z", "2024-03-05T07:08:09.123456+00:00", "yesterday"} {
		if got, err := storage.ParseTime(s); err == nil {
			t.Errorf("ParseTime(%q) = %v, want an error", s, got)
		}
	}
}

// Two handles on one file (as two processes would have) write at the same
// time; every read-then-write transaction must succeed rather than fail busy.
func TestConcurrentWritersOnOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	var dbs [2]*storage.DB
	for i := range dbs {
		db, err := storage.Open(ctx, path, storage.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	const per = 15
	errs := make(chan error, 2*per)
	var wg sync.WaitGroup
	for i, db := range dbs {
		for j := range per {
			wg.Add(1)
			go func() {
				defer wg.Done()
				name := fmt.Sprintf("t-%d-%02d", i, j)
				_, err := db.CreateShareType(ctx, storage.ShareType{ID: name, Name: name, IsPublic: true})
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("CreateShareType: %v", err)
		}
	}
	list, err := dbs[0].ListShareTypes(ctx, storage.ShareTypeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2*per+1 {
		t.Errorf("%d share types, want %d", len(list), 2*per+1)
	}
}
