package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
)

// Calls that share a commit stay isolated: a failed or panicking call
// leaves nothing behind, every successful one is committed, and the
// commits really carried several calls each.
func TestWriteGroupCommit(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "g.db"), Options{Synchronous: "FULL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE gc (n INTEGER PRIMARY KEY, note TEXT NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c0, n0 := db.WriteStats()
	errRefused := errors.New("refused")
	const calls = 600
	outcome := make([]string, calls)
	var wg sync.WaitGroup
	for i := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					outcome[i] = fmt.Sprint("panic: ", p)
				}
			}()
			err := db.Write(ctx, func(tx *Tx) error {
				// Two statements, so a rollback must undo both.
				if _, err := tx.ExecContext(ctx, `INSERT INTO gc (n, note) VALUES (?, 'a')`, i); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE gc SET note = 'b' WHERE n = ?`, i); err != nil {
					return err
				}
				switch {
				case i%5 == 1:
					return errRefused
				case i%7 == 3:
					panic("boom")
				}
				return nil
			})
			switch {
			case errors.Is(err, errRefused):
				outcome[i] = "refused"
			case err != nil:
				outcome[i] = err.Error()
			default:
				outcome[i] = "ok"
			}
		}()
	}
	wg.Wait()
	rows, err := db.reader.QueryContext(ctx, `SELECT n, note FROM gc`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int]string{}
	for rows.Next() {
		var n int
		var note string
		if err := rows.Scan(&n, &note); err != nil {
			t.Fatal(err)
		}
		stored[n] = note
	}
	rows.Close()
	for i := range calls {
		want := "ok"
		switch {
		case i%5 == 1:
			want = "refused"
		case i%7 == 3:
			want = "panic: boom"
		}
		if outcome[i] != want {
			t.Errorf("call %d: %q, want %q", i, outcome[i], want)
		}
		note, ok := stored[i]
		if want == "ok" && (!ok || note != "b") {
			t.Errorf("call %d succeeded but its row is %q (present %v)", i, note, ok)
		}
		if want != "ok" && ok {
			t.Errorf("call %d failed but its row is there", i)
		}
	}
	c1, n1 := db.WriteStats()
	commits, committed := c1-c0, n1-n0
	t.Logf("%d calls committed in %d commits", committed, commits)
	if commits >= committed {
		t.Errorf("%d commits for %d calls: no commit was shared", commits, committed)
	}
}

// A call whose context ends before its turn does not run; a call taken
// runs to the end, even if its context ends meanwhile.
func TestWriteCancelled(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	if err := db.Write(cancelled, func(tx *Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
		t.Fatalf("cancelled call: err %v, ran %v", err, ran)
	}
	inner, stop := context.WithCancel(ctx)
	err = db.Write(inner, func(tx *Tx) error {
		if _, err := tx.ExecContext(inner, `CREATE TABLE c1 (n INTEGER)`); err != nil {
			return err
		}
		stop() // the request goes away mid-transaction
		_, err := tx.ExecContext(inner, `INSERT INTO c1 VALUES (1)`)
		return err
	})
	if err != nil {
		t.Fatalf("a call cancelled while it runs: %v", err)
	}
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM c1`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("count %d, %v", n, err)
	}
	db.Close()
	if err := db.Write(ctx, func(tx *Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
