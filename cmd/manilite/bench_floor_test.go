package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/internal/benchreport"
	"github.com/manilite/manilite/storage"
)

// TestThroughputFloors measures what the show and list targets of `make
// bench` are up against on this stack, side by side in one run: a bare Echo
// handler returning the same bytes as manilite (the HTTP floor), and a bare
// Echo handler that also reads the same rows through the same storage
// package (the store floor), next to the real endpoints. A show can be no
// cheaper than its store floor, and a list no cheaper than its own; where
// the list's store floor alone costs more than twice the real show, a list
// at ≤ 2x a show would need a faster store, not a faster handler.
func TestThroughputFloors(t *testing.T) {
	requireBench(t)
	skipOnPostgres(t, "the driver floor reads the SQLite file itself")
	ts := startServer(t, func(o *options) { o.LogLevel = "error"; o.Quotas["shares"] = -1; o.Quotas["gigabytes"] = -1 })
	var last string
	for i := range 100 {
		last = createShare(t, ts, tokMember, map[string]any{"name": fmt.Sprintf("floor-%d", i), "metadata": map[string]string{"k": "v"}})
	}
	waitShareStatus(t, ts, last, "available")
	ts.restartQuiet()
	showBody := ts.do(t, req{method: "GET", path: "/v2/shares/" + last, token: tokMember, version: "2.99"}).expectStatus(t, 200).raw
	listBody := ts.do(t, req{method: "GET", path: "/v2/shares/detail", token: tokMember, version: "2.99"}).expectStatus(t, 200).raw
	if n := strings.Count(string(listBody), `"share_proto"`); n != 100 {
		t.Fatalf("the list has %d shares, want 100", n)
	}

	db := ts.app.db
	e := echo.New()
	e.HideBanner = true
	e.GET("/bare/show", func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, showBody) })
	e.GET("/bare/list", func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody) })
	e.GET("/store/show", func(c echo.Context) error {
		if _, err := db.GetShare(c.Request().Context(), last); err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, showBody)
	})
	e.GET("/store/list", func(c echo.Context) error {
		limit := 1000
		shares, _, err := db.ListShares(c.Request().Context(), storage.ShareFilter{ProjectID: projA, Limit: &limit}, false)
		if err != nil {
			return err
		}
		if len(shares) != 100 {
			return fmt.Errorf("store list read %d shares, want 100", len(shares))
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody)
	})
	// The driver alone: the same file through database/sql and modernc's
	// SQLite, prepared once, reading the shares table's plain columns by
	// primary key and a page of 100, with no joins or aggregates.
	raw, err := sql.Open("sqlite", "file:"+ts.opts.DB+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(4)
	raw.SetMaxIdleConns(4)
	const plain = `SELECT id, project_id, user_id, display_name, display_description, size, share_proto, status, task_state,
		share_type_id, availability_zone, is_public, snapshot_id, share_network_id, host, progress, is_soft_deleted,
		scheduled_to_be_deleted_at, source_backup_id, share_group_id, created_at, updated_at, access_rules_status FROM shares`
	rawShow, err := raw.Prepare(plain + ` WHERE id = ?`)
	if err != nil {
		t.Fatal(err)
	}
	rawList, err := raw.Prepare(plain + ` WHERE project_id = ? ORDER BY id LIMIT 1000`)
	if err != nil {
		t.Fatal(err)
	}
	scanAll := func(rows *sql.Rows) (int, error) {
		defer rows.Close()
		cols := make([]sql.RawBytes, 23)
		dst := make([]any, len(cols))
		for i := range cols {
			dst[i] = &cols[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				return n, err
			}
			n++
		}
		return n, rows.Err()
	}
	e.GET("/sql/show", func(c echo.Context) error {
		rows, err := rawShow.QueryContext(c.Request().Context(), last)
		if err != nil {
			return err
		}
		if n, err := scanAll(rows); err != nil || n != 1 {
			return fmt.Errorf("sql show read %d rows: %v", n, err)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, showBody)
	})
	e.GET("/sql/list", func(c echo.Context) error {
		rows, err := rawList.QueryContext(c.Request().Context(), projA)
		if err != nil {
			return err
		}
		if n, err := scanAll(rows); err != nil || n != 100 {
			return fmt.Errorf("sql list read %d rows: %v", n, err)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, listBody)
	})
	bare := httptest.NewServer(e)
	defer bare.Close()

	headers := map[string]string{"X-Auth-Token": tokMember, "X-OpenStack-Manila-API-Version": "2.99"}
	d := benchDuration()
	urls := []string{bare.URL + "/bare/show", bare.URL + "/sql/show", bare.URL + "/store/show", ts.URL + "/v2/shares/" + last,
		bare.URL + "/bare/list", bare.URL + "/sql/list", bare.URL + "/store/list", ts.URL + "/v2/shares/detail"}
	measure := goRate
	if _, err := exec.LookPath("wrk"); err == nil {
		measure = wrkRate
	}
	rates := make([][]float64, len(urls))
	for range 2 { // interleaved, so drift hits every figure alike
		for i, u := range urls {
			rates[i] = append(rates[i], measure(t, u, headers, d))
		}
	}
	r := make([]float64, len(urls))
	for i := range rates {
		r[i] = best(rates[i])
	}
	bareShow, sqlShow, storeShow, show, bareList, sqlList, storeList, list := r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
	benchreport.Add("floors, show (64 conns, best of 2x%s), req/s and share of bare Echo: bare Echo %.0f; + one plain SELECT by id %.0f (%.2f); + storage.GetShare %.0f (%.2f); manilite %.0f (%.2f; %.2f of the store floor) (target >= 0.5)",
		d, bareShow, sqlShow, sqlShow/bareShow, storeShow, storeShow/bareShow, show, show/bareShow, show/storeShow)
	benchreport.Add("floors, list of 100 (same run), req/s and cost next to manilite's show: bare Echo, same bytes %.0f (%.2fx); + a plain SELECT of 100 rows %.0f (%.2fx); + storage.ListShares %.0f (%.2fx); manilite %.0f (%.2fx) (target <= 2x)",
		bareList, show/bareList, sqlList, show/sqlList, storeList, show/storeList, list, show/list)
}
