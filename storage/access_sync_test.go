package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// allow adds a rule to a share as the API does (the share's
// access_rules_status goes to syncing, a job is queued).
func allow(t *testing.T, db *storage.DB, share, id, typ, to, level string) {
	t.Helper()
	_, err := db.AllowAccess(context.Background(), storage.AccessChange{ShareID: share},
		storage.AccessRule{ID: id, AccessType: typ, AccessTo: to, AccessLevel: level}, func(string) bool { return false })
	if err != nil {
		t.Fatalf("AllowAccess %s: %v", id, err)
	}
}

func deny(t *testing.T, db *storage.DB, share, id string) {
	t.Helper()
	if _, err := db.ChangeAccessRule(context.Background(), storage.AccessChange{ShareID: share}, id, state.AccessRuleDeny, nil); err != nil {
		t.Fatalf("deny %s: %v", id, err)
	}
}

func rules(t *testing.T, db *storage.DB, share string) []storage.AccessRule {
	t.Helper()
	rs, err := db.ListAccessRules(context.Background(), share)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// ruleStates is "id:state ..." of the share's live rules, oldest first.
func ruleStates(t *testing.T, db *storage.DB, share string) string {
	t.Helper()
	out := ""
	for _, r := range rules(t, db, share) {
		out += fmt.Sprintf("%s:%s ", r.ID, r.State)
	}
	return out
}

func rulesStatus(t *testing.T, db *storage.DB, share string) state.AccessRulesStatus {
	t.Helper()
	sh, err := db.GetShare(context.Background(), share)
	if err != nil {
		t.Fatal(err)
	}
	return sh.AccessRulesStatus
}

func finish(t *testing.T, db *storage.DB, share string, seen []storage.AccessRule, refused ...string) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx *storage.Tx) error {
		return tx.FinishAccessSync(context.Background(), share, seen, refused)
	}); err != nil {
		t.Fatal(err)
	}
}

func expectRules(t *testing.T, db *storage.DB, share, want string, status state.AccessRulesStatus) {
	t.Helper()
	if got := ruleStates(t, db, share); got != want {
		t.Errorf("%s rules: %s, want %s", share, got, want)
	}
	if got := rulesStatus(t, db, share); got != status {
		t.Errorf("%s access_rules_status %s, want %s", share, got, status)
	}
}

// A refused rule is in error and so is the share's access_rules_status;
// once no rule is in error the status is active again (Manila's
// _loop_for_refresh_else_update_access_rules_status).
func TestFinishAccessSyncRefused(t *testing.T) {
	c := newClock()
	db := openDB(t, c)
	mustCreateShare(t, db, baseShare("s1"))
	allow(t, db, "s1", "r1", "ip", "10.0.0.1", "rw")
	c.Advance(1)
	allow(t, db, "s1", "r2", "user", "alice", "rw")
	expectRules(t, db, "s1", "r1:queued_to_apply r2:queued_to_apply ", "syncing")

	finish(t, db, "s1", rules(t, db, "s1"), "r2")
	expectRules(t, db, "s1", "r1:active r2:error ", "error")

	// A new rule while in error: the status stays error (sync is from
	// active only), the job applies the rule and the error rule remains.
	c.Advance(1)
	allow(t, db, "s1", "r3", "ip", "10.0.0.3", "ro")
	expectRules(t, db, "s1", "r1:active r2:error r3:queued_to_apply ", "error")
	finish(t, db, "s1", rules(t, db, "s1"))
	expectRules(t, db, "s1", "r1:active r2:error r3:active ", "error")

	// An active rule the data plane now refuses is in error too.
	deny(t, db, "s1", "r2")
	seen := rules(t, db, "s1")
	finish(t, db, "s1", seen, "r3")
	expectRules(t, db, "s1", "r1:active r3:error ", "error")
	deny(t, db, "s1", "r3")
	finish(t, db, "s1", rules(t, db, "s1"))
	expectRules(t, db, "s1", "r1:active ", "active")

	// A rule changed after the job read it keeps its new state, refused
	// or not, and the share stays syncing for the job that follows.
	c.Advance(1)
	allow(t, db, "s1", "r4", "user", "bob1", "rw")
	seen = rules(t, db, "s1")
	deny(t, db, "s1", "r4")
	finish(t, db, "s1", seen, "r4")
	expectRules(t, db, "s1", "r1:active r4:queued_to_deny ", "syncing")
	finish(t, db, "s1", rules(t, db, "s1"))
	expectRules(t, db, "s1", "r1:active ", "active")
}

// The data plane failed for good: the pending rules of that share (being
// applied, changed or denied) are in error, and its access_rules_status;
// active rules and other shares stay as they are.
func TestFailAccessSync(t *testing.T) {
	c := newClock()
	db := openDB(t, c)
	ctx := context.Background()
	mustCreateShare(t, db, baseShare("s1"))
	mustCreateShare(t, db, baseShare("s2"))
	for i, id := range []string{"a", "b", "c", "d"} {
		c.Advance(1)
		allow(t, db, "s1", id, "ip", fmt.Sprintf("10.0.0.%d", i+1), "rw")
	}
	allow(t, db, "s2", "other", "ip", "10.0.1.1", "rw")
	finish(t, db, "s1", rules(t, db, "s1"))
	c.Advance(1)
	allow(t, db, "s1", "e", "ip", "10.0.0.5", "rw")
	deny(t, db, "s1", "b")
	if _, err := db.ChangeAccessRule(ctx, storage.AccessChange{ShareID: "s1"}, "c", state.AccessRuleUpdate, ptr("ro")); err != nil {
		t.Fatal(err)
	}
	expectRules(t, db, "s1", "a:active b:queued_to_deny c:queued_to_update d:active e:queued_to_apply ", "syncing")

	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FailAccessSync(ctx, "s1") }); err != nil {
		t.Fatal(err)
	}
	expectRules(t, db, "s1", "a:active b:error c:error d:active e:error ", "error")
	expectRules(t, db, "s2", "other:queued_to_apply ", "syncing")

	// From active too (a failure with nothing left pending).
	finish(t, db, "s2", rules(t, db, "s2"))
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.FailAccessSync(ctx, "s2") }); err != nil {
		t.Fatal(err)
	}
	expectRules(t, db, "s2", "other:active ", "error")
}
