package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/manilite/manilite/storage"
)

func exportIDs(t *testing.T, db *storage.DB, proto string) string {
	t.Helper()
	exports, err := db.ShareExports(context.Background(), proto)
	if err != nil {
		t.Fatal(err)
	}
	out := ""
	for _, e := range exports {
		out += fmt.Sprintf("%s=%d(%s:", e.ShareID, e.ExportID, e.Status)
		for _, r := range e.Rules {
			out += " " + r.ID
		}
		out += ") "
	}
	return out
}

// ShareExports: live shares of the protocol with live rules, oldest first,
// each with its rules and an export id it keeps, never another share's.
func TestShareExports(t *testing.T) {
	c := newClock()
	db := openDB(t, c)
	ctx := context.Background()
	for _, id := range []string{"s1", "s2", "s3", "s4"} {
		c.Advance(1)
		sh := baseShare(id)
		if id == "s3" {
			sh.Proto = "CIFS"
		}
		mustCreateShare(t, db, sh)
	}
	if got := exportIDs(t, db, "NFS"); got != "" {
		t.Errorf("no rules: %q", got)
	}
	allow(t, db, "s2", "r2", "ip", "10.0.0.2", "rw")
	allow(t, db, "s3", "r3", "user", "alice", "rw")
	c.Advance(1)
	allow(t, db, "s2", "r2b", "user", "carol", "ro")
	if got, want := exportIDs(t, db, "NFS"), "s2=1(creating: r2 r2b) "; got != want {
		t.Errorf("ShareExports = %q, want %q", got, want)
	}
	allow(t, db, "s1", "r1", "ip", "10.0.0.1", "rw")
	allow(t, db, "s4", "r4", "ip", "10.0.0.4", "rw")
	// s1 is older than s2 but gets the next id: ids are never reassigned.
	if got, want := exportIDs(t, db, "NFS"), "s1=2(creating: r1) s2=1(creating: r2 r2b) s4=3(creating: r4) "; got != want {
		t.Errorf("ShareExports = %q, want %q", got, want)
	}
	if got, want := exportIDs(t, db, "CIFS"), "s3=4(creating: r3) "; got != want {
		t.Errorf("CIFS: %q, want %q", got, want)
	}
	// A denied rule stays live until its job ends; a share whose rules
	// are all gone is left out, and a deleted share's id is not reused.
	deny(t, db, "s4", "r4")
	if got, want := exportIDs(t, db, "NFS"), "s1=2(creating: r1) s2=1(creating: r2 r2b) s4=3(creating: r4) "; got != want {
		t.Errorf("after deny: %q, want %q", got, want)
	}
	finish(t, db, "s4", rules(t, db, "s4"))
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.SoftDeleteShare(ctx, "s1", move(nil, "deleted")) }); err != nil {
		t.Fatal(err)
	}
	c.Advance(1)
	mustCreateShare(t, db, baseShare("s5"))
	allow(t, db, "s5", "r5", "ip", "10.0.0.5", "rw")
	allow(t, db, "s4", "r4b", "ip", "10.0.0.4", "ro")
	if got, want := exportIDs(t, db, "NFS"), "s2=1(creating: r2 r2b) s4=3(creating: r4b) s5=5(creating: r5) "; got != want {
		t.Errorf("after delete: %q, want %q", got, want)
	}
}
