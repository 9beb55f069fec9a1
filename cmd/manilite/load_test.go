package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/manilite/manilite/internal/benchreport"
)

// TestLoadMixed runs a mixed workload over 64 connections: shows (55%),
// detail lists of 50 (15%), creates (15%), deletes of the client's own
// shares once available (10%), and backup creates of the client's own
// share (5%), as a client would send them (each checks a share's status
// before it deletes or backs it up). It is bounded by a number of
// operations (MANILITE_LOAD_OPS; 1,500 under plain go test, 20,000 under
// make bench), reports the throughput and the p50/p99 latency of each kind,
// and fails on any unexpected answer: every operation must succeed.
func TestLoadMixed(t *testing.T) {
	total := 1500
	if os.Getenv("MANILITE_BENCH") != "" {
		total = 20000
	}
	if v, err := strconv.Atoi(os.Getenv("MANILITE_LOAD_OPS")); err == nil && v > 0 {
		total = v
	}
	ts := startServer(t, func(o *options) {
		o.LogLevel = "error"
		o.Quotas["shares"], o.Quotas["gigabytes"] = -1, -1
		o.Quotas["backups"], o.Quotas["backup_gigabytes"] = -1, -1
	})
	const conns = 64
	own := make([]string, conns) // one share per client, for its backups
	for i := range own {
		own[i] = createShare(t, ts, tokMember, map[string]any{"name": fmt.Sprintf("load-%d", i)})
	}
	for _, id := range own {
		waitShareStatus(t, ts, id, "available")
	}
	ts.restartQuiet()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	call := func(method, path string, body any, experimental bool) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		r, _ := http.NewRequest(method, ts.URL+path, rd)
		r.Header.Set("X-Auth-Token", tokMember)
		r.Header.Set("X-OpenStack-Manila-API-Version", "2.99")
		if experimental {
			r.Header.Set("X-OpenStack-Manila-API-Experimental", "True")
		}
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(r)
		if err != nil {
			return 0, nil, err
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		return res.StatusCode, raw, err
	}
	status := func(raw []byte) string {
		var v struct {
			Share struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"share"`
		}
		_ = json.Unmarshal(raw, &v)
		return v.Share.Status
	}

	kinds := []string{"show", "list", "create", "delete", "backup"}
	var mu sync.Mutex
	lat := map[string][]time.Duration{}
	var errs []string
	var left atomic.Int64
	left.Store(int64(total))
	var wg sync.WaitGroup
	start := time.Now()
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 1))
			var mine []string // shares this client created, oldest first
			local := map[string][]time.Duration{}
			fail := func(format string, args ...any) {
				mu.Lock()
				errs = append(errs, fmt.Sprintf(format, args...))
				mu.Unlock()
			}
			timed := func(kind, method, path string, body any, exp bool, want int) ([]byte, bool) {
				t0 := time.Now()
				code, raw, err := call(method, path, body, exp)
				local[kind] = append(local[kind], time.Since(t0))
				if err != nil || code != want {
					fail("%s %s: %d %v %s", method, path, code, err, raw)
					return nil, false
				}
				return raw, true
			}
			for left.Add(-1) >= 0 {
				p := rng.IntN(100)
				switch {
				case p < 55:
					timed("show", "GET", "/v2/shares/"+own[rng.IntN(conns)], nil, false, 200)
				case p < 70:
					timed("list", "GET", "/v2/shares/detail?limit=50", nil, false, 200)
				case p < 85:
					raw, ok := timed("create", "POST", "/v2/shares", map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}, false, 200)
					if ok {
						var v struct {
							Share struct {
								ID string `json:"id"`
							} `json:"share"`
						}
						if err := json.Unmarshal(raw, &v); err != nil || v.Share.ID == "" {
							fail("create: no id in %s", raw)
						} else {
							mine = append(mine, v.Share.ID)
						}
					}
				case p < 95:
					if len(mine) == 0 {
						timed("show", "GET", "/v2/shares/"+own[c], nil, false, 200)
						continue
					}
					raw, ok := timed("show", "GET", "/v2/shares/"+mine[0], nil, false, 200)
					if !ok || status(raw) != "available" {
						continue // not ready yet: a client waits
					}
					if _, ok := timed("delete", "DELETE", "/v2/shares/"+mine[0], nil, false, 202); ok {
						mine = mine[1:]
					}
				default:
					raw, ok := timed("show", "GET", "/v2/shares/"+own[c], nil, false, 200)
					if !ok || status(raw) != "available" {
						continue // the last backup is still being taken
					}
					timed("backup", "POST", "/v2/share-backups", map[string]any{"share_backup": map[string]any{"share_id": own[c], "name": "load"}}, true, 202)
				}
			}
			mu.Lock()
			for k, v := range local {
				lat[k] = append(lat[k], v...)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(errs) > 0 {
		t.Fatalf("%d of %d operations failed; first: %s", len(errs), total, errs[0])
	}
	var all []time.Duration
	n := countAll(lat)
	line := fmt.Sprintf("mixed load, %d connections, %d operations (%d requests) in %.1fs: %.0f req/s, 0 errors;", conns, total, n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
	for _, k := range kinds {
		ds := lat[k]
		all = append(all, ds...)
		if len(ds) == 0 {
			continue
		}
		p50, p99 := percentiles(ds)
		line += fmt.Sprintf(" %s %d p50 %s p99 %s;", k, len(ds), p50, p99)
	}
	p50, p99 := percentiles(all)
	line += fmt.Sprintf(" all p50 %s p99 %s", p50, p99)
	benchreport.Add("%s", line)
}

func countAll(m map[string][]time.Duration) int {
	n := 0
	for _, v := range m {
		n += len(v)
	}
	return n
}

// percentiles are the median and the 99th percentile, rounded for reading.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration {
		return s[min(len(s)-1, int(q*float64(len(s))))].Round(10 * time.Microsecond)
	}
	return at(0.50), at(0.99)
}
