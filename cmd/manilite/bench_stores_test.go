package main

import (
	"testing"
	"time"

	"github.com/manilite/manilite/internal/benchreport"
	"github.com/manilite/manilite/internal/pgtest"
	"github.com/manilite/manilite/storage"
)

// TestThroughputStores measures the same three figures on the embedded
// SQLite file and on PostgreSQL (a local cluster of Debian's postgresql,
// on the same two cores), in one run: GET one share, GET
// /v2/shares/detail of 100 shares, and durable creates per second (SQLite
// synchronous FULL; PostgreSQL's default fsync, SERIALIZABLE). Each
// create acknowledged is checked to be stored.
func TestThroughputStores(t *testing.T) {
	requireBench(t)
	pg := pgtest.Start(t)
	type figures struct{ show, list, create float64 }
	measure := func(name, db string) figures {
		ts := startServer(t, func(o *options) {
			o.LogLevel = "error"
			o.Synchronous = "FULL"
			o.MinTransition = time.Second
			o.Quotas["shares"], o.Quotas["gigabytes"] = -1, -1
			if db != "" {
				o.DB = db
			}
		})
		last := createListShares(t, ts)
		ts.restartQuiet()
		headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.99"}
		d := benchDuration()
		var f figures
		f.show = wrkRate(t, ts.URL+"/v2/shares/"+last, headers, d)
		f.list = wrkRate(t, ts.URL+"/v2/shares/detail", headers, d)
		headers["Content-Type"] = "application/json"
		var acked int
		f.create, acked = wrkRun(t, ts.URL+"/v2/shares", headers, d, `wrk.method = "POST"
wrk.body = '{"share": {"share_proto": "NFS", "size": 1}}'
`)
		var stored int
		if err := ts.app.db.Write(t.Context(), func(tx *storage.Tx) error {
			return tx.QueryRowContext(t.Context(), `SELECT count(*) FROM shares`).Scan(&stored)
		}); err != nil {
			t.Fatal(err)
		}
		// wrk counts the answers it read; requests in flight when it
		// stopped may have been committed too, one per connection at most.
		if stored-100 < acked || stored-100 > acked+64 {
			t.Fatalf("%s: wrk saw %d shares created, the database has %d more", name, acked, stored-100)
		}
		ts.stop()
		return f
	}
	sq := measure("sqlite", "")
	pq := measure("postgres", pg.NewDatabase())
	d := benchDuration()
	benchreport.Add("stores, PostgreSQL / SQLite (wrk, 64 conns, %s each, same run): GET one share %.0f / %.0f req/s = %.2f; GET shares/detail of 100 %.0f / %.0f req/s = %.2f; durable POST /v2/shares %.0f / %.0f creates/s = %.2f",
		d, pq.show, sq.show, pq.show/sq.show, pq.list, sq.list, pq.list/sq.list, pq.create, sq.create, pq.create/sq.create)
}
