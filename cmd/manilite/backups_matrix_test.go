package main

import (
	"fmt"
	"testing"
	"time"
)

// TestBackupRoleMatrix checks every backup operation for an admin (of
// another project), a member and a reader of the owning project, a member
// of another project, and a caller without a token, against Manila's
// default policy: readers read, members write, reset_status is admin-only,
// and another project's backup does not exist for a non-admin.
func TestBackupRoleMatrix(t *testing.T) {
	ts := startServer(t, func(o *options) { o.MinTransition = time.Hour; o.Quotas["backups"] = -1 })
	// fixture makes an available share with an available backup in projA;
	// with an hour-long transition, admin resets stand in for the jobs.
	fixture := func(t *testing.T) (share, backup string) {
		share = createShare(t, ts, tokMember, nil)
		resetShare(t, ts, share, "available")
		backup = createBackup(t, ts, tokMember, share, nil)["id"].(string)
		resetBackup(t, ts, backup, "available")
		resetShare(t, ts, share, "available")
		return share, backup
	}
	callers := []struct{ name, token string }{
		{"admin", tokOtherAdmin}, {"member", tokMember}, {"reader", tokReader}, {"other", tokOtherMember}, {"anonymous", ""},
	}
	ops := []struct {
		name string
		call func(share, backup string) req
		want map[string]int
	}{
		{"list", func(_, _ string) req { return backupReq("GET", "/v2/share-backups", "", nil) },
			map[string]int{"admin": 200, "member": 200, "reader": 200, "other": 200, "anonymous": 401}},
		{"list detail", func(_, _ string) req { return backupReq("GET", "/v2/share-backups/detail", "", nil) },
			map[string]int{"admin": 200, "member": 200, "reader": 200, "other": 200, "anonymous": 401}},
		{"show", func(_, b string) req { return backupReq("GET", "/v2/share-backups/"+b, "", nil) },
			map[string]int{"admin": 200, "member": 200, "reader": 200, "other": 404, "anonymous": 401}},
		{"create", func(s, _ string) req {
			return backupReq("POST", "/v2/share-backups", "", map[string]any{"share_backup": map[string]any{"share_id": s}})
		}, map[string]int{"admin": 0, "member": 0, "reader": 403, "other": 400, "anonymous": 401}},
		{"update", func(_, b string) req {
			return backupReq("PUT", "/v2/share-backups/"+b, "", map[string]any{"share_backup": map[string]any{"name": "n"}})
		}, map[string]int{"admin": 200, "member": 200, "reader": 403, "other": 404, "anonymous": 401}},
		{"delete", func(_, b string) req { return backupReq("DELETE", "/v2/share-backups/"+b, "", nil) },
			map[string]int{"admin": 202, "member": 202, "reader": 403, "other": 404, "anonymous": 401}},
		{"restore", func(_, b string) req {
			return backupReq("POST", "/v2/share-backups/"+b+"/action", "", map[string]any{"restore": nil})
		}, map[string]int{"admin": 202, "member": 202, "reader": 403, "other": 404, "anonymous": 401}},
		{"reset_status", func(_, b string) req {
			return backupReq("POST", "/v2/share-backups/"+b+"/action", "", map[string]any{"reset_status": map[string]any{"status": "error"}})
		}, map[string]int{"admin": 202, "member": 403, "reader": 403, "other": 403, "anonymous": 401}},
	}
	for _, op := range ops {
		for _, c := range callers {
			t.Run(fmt.Sprintf("%s/%s", op.name, c.name), func(t *testing.T) {
				share, backup := fixture(t)
				// A backup of this share already exists, so creating
				// another needs the share available again: it is.
				rq := op.call(share, backup)
				rq.token = c.token
				r := ts.do(t, rq)
				want := op.want[c.name]
				if want == 0 { // create answers 202
					want = 202
				}
				if r.status != want {
					t.Fatalf("%s by %s: status %d, want %d (%s)", op.name, c.name, r.status, want, r.raw)
				}
				switch want {
				case 403:
					msg := r.json(t)["forbidden"].(map[string]any)["message"]
					if msg != "Access was denied to this resource." {
						t.Errorf("403 message %q", msg)
					}
				case 404:
					r.expectFault(t, 404, "itemNotFound", "No backup exists with ID "+backup+".")
				case 401:
					r.expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
				}
				if op.name == "list detail" && c.name == "other" {
					if n := len(r.json(t)["share_backups"].([]any)); n != 0 {
						t.Errorf("another project sees %d backups", n)
					}
				}
			})
		}
	}
}
