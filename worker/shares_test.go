package worker_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

var place = worker.Placement{Host: "manilite@local#pool", AvailabilityZone: "zone-1"}

// shareEnv is a database and a local backend in one temporary folder.
type shareEnv struct {
	db   *storage.DB
	data *backend.Local
}

func newShareEnv(t *testing.T) shareEnv {
	t.Helper()
	data, err := backend.NewLocal(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	return shareEnv{db: openDB(t), data: data}
}

// startPool starts a pool running the share jobs over data.
func (e shareEnv) startPool(t *testing.T, data worker.ShareData) *worker.Pool {
	t.Helper()
	p := newPool(t, e.db, 2)
	worker.RegisterShareJobs(p, data, place)
	start(t, p)
	p.Notify()
	return p
}

func stopPool(t *testing.T, p *worker.Pool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func (e shareEnv) createShare(t *testing.T, id string, az *string) {
	t.Helper()
	_, err := e.db.CreateShare(context.Background(), storage.Share{
		ID: id, ProjectID: "p", UserID: "u", Size: 1, Proto: "NFS", Status: "creating",
		Host: ptr(""), AvailabilityZone: az,
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
}

func (e shareEnv) share(t *testing.T, id string) (storage.Share, error) {
	t.Helper()
	return e.db.GetShare(context.Background(), id)
}

func (e shareEnv) waitStatus(t *testing.T, id, status string) storage.Share {
	t.Helper()
	var sh storage.Share
	waitFor(t, 10*time.Second, "share "+id+" to become "+status, func() bool {
		var err error
		sh, err = e.share(t, id)
		return err == nil && string(sh.Status) == status
	})
	return sh
}

func (e shareEnv) waitNoJobs(t *testing.T) {
	t.Helper()
	waitFor(t, 10*time.Second, "the job queue to empty", func() bool { return len(listJobs(t, e.db)) == 0 })
}

func TestShareCreateJob(t *testing.T) {
	tests := []struct {
		name   string
		az     *string
		wantAZ string
	}{
		{"zone from placement", nil, "zone-1"},
		{"zone asked for is kept", ptr("zone-2"), "zone-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newShareEnv(t)
			const id = "3f0e2a8c-5d4b-4c1a-9e7f-0a1b2c3d4e5f"
			e.createShare(t, id, tc.az)
			p := e.startPool(t, e.data)
			sh := e.waitStatus(t, id, "available")
			e.waitNoJobs(t)

			dir, err := e.data.SharePath(id)
			if err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				t.Fatalf("share directory %s: %v", dir, err)
			}
			if p := strOf(sh.Progress); p != "100%" {
				t.Errorf("progress = %q, want 100%%", p)
			}
			if h := strOf(sh.Host); h != place.Host {
				t.Errorf("host = %q, want %q", h, place.Host)
			}
			if az := strOf(sh.AvailabilityZone); az != tc.wantAZ {
				t.Errorf("availability zone = %q, want %q", az, tc.wantAZ)
			}
			if len(sh.ExportLocations) != 1 {
				t.Fatalf("export locations = %+v, want one", sh.ExportLocations)
			}
			el := sh.ExportLocations[0]
			if el.Path != dir || !el.Preferred || el.IsAdminOnly || el.ShareID != id || el.ID == "" {
				t.Errorf("export location = %+v, want preferred path %s", el, dir)
			}

			// A replayed create job (resumed after a crash) changes nothing.
			ctx := context.Background()
			if err := e.db.Write(ctx, func(tx *storage.Tx) error {
				return tx.EnqueueJob(ctx, storage.JobShareCreate, id, tx.Now, nil)
			}); err != nil {
				t.Fatal(err)
			}
			p.Notify()
			waitFor(t, 10*time.Second, "the replayed job to finish", func() bool { return len(listJobs(t, e.db)) == 0 })
			again, err := e.share(t, id)
			if err != nil {
				t.Fatal(err)
			}
			if again.Status != "available" || len(again.ExportLocations) != 1 || again.ExportLocations[0].ID != el.ID {
				t.Errorf("after replay: status %q, export locations %+v", again.Status, again.ExportLocations)
			}
		})
	}
}

func TestShareCreateJobAfterAdminReset(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	e.createShare(t, "s1", nil)
	// An admin resets the status while the job is queued.
	if err := e.db.TransitionShare(ctx, "s1", move(nil, "error"), "", 0); err != nil {
		t.Fatal(err)
	}
	e.startPool(t, e.data)
	e.waitNoJobs(t)
	sh, err := e.share(t, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Status != "error" {
		t.Errorf("status = %q, want the admin's error to stand", sh.Status)
	}
	if strOf(sh.Host) != "" || sh.Progress != nil {
		t.Errorf("reset share was placed anyway: host %q progress %q", strOf(sh.Host), strOf(sh.Progress))
	}
	if !e.data.ShareExists("s1") || len(sh.ExportLocations) != 1 {
		t.Errorf("share data exists %v, export locations %+v; want the location recorded", e.data.ShareExists("s1"), sh.ExportLocations)
	}
}

func TestShareCreateJobForDeletedShare(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	e.createShare(t, "s1", nil)
	if err := e.db.Write(ctx, func(tx *storage.Tx) error { return tx.SoftDeleteShare(ctx, "s1", move(nil, "deleted")) }); err != nil {
		t.Fatal(err)
	}
	e.startPool(t, e.data)
	e.waitNoJobs(t)
	if e.data.ShareExists("s1") {
		t.Error("create job made a directory for a deleted share")
	}
}

func TestShareDeleteJob(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	const id = "0a6f9c3e-1b2d-4e5f-8a9b-c0d1e2f3a4b5"
	e.createShare(t, id, nil)
	e.createShare(t, "neighbour", nil)
	p := e.startPool(t, e.data)
	e.waitStatus(t, id, "available")
	e.waitStatus(t, "neighbour", "available")
	e.waitNoJobs(t)
	dir, _ := e.data.SharePath(id)
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}

	if err := e.db.TransitionShare(ctx, id, move([]string{"available"}, "deleting"), storage.JobShareDelete, 0); err != nil {
		t.Fatal(err)
	}
	p.Notify()
	waitFor(t, 10*time.Second, "the share row to be deleted", func() bool {
		_, err := e.share(t, id)
		return errors.Is(err, storage.ErrNotFound)
	})
	e.waitNoJobs(t)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("share directory still there: %v", err)
	}
	list, _, err := e.db.ListShares(ctx, storage.ShareFilter{}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != "neighbour" {
		t.Errorf("shares left = %v, want only neighbour", list)
	}
	if !e.data.ShareExists("neighbour") {
		t.Error("neighbouring share's directory removed")
	}
}

// A delete Manila acknowledged always happens: its share manager deletes
// the instance whatever its status when the RPC arrives, so a reset_status
// that lands while the job is queued does not save the share.
func TestShareDeleteJobAfterAdminReset(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	e.createShare(t, "s1", nil)
	first := e.startPool(t, e.data)
	e.waitStatus(t, "s1", "available")
	e.waitNoJobs(t)
	stopPool(t, first)

	if err := e.db.TransitionShare(ctx, "s1", move([]string{"available"}, "deleting"), storage.JobShareDelete, 0); err != nil {
		t.Fatal(err)
	}
	// An admin resets the status before the delete job runs.
	if err := e.db.TransitionShare(ctx, "s1", move(nil, "available"), "", 0); err != nil {
		t.Fatal(err)
	}
	e.startPool(t, e.data)
	e.waitNoJobs(t)
	if _, err := e.share(t, "s1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("share after the delete job: err %v, want not found", err)
	}
	if e.data.ShareExists("s1") {
		t.Error("share directory kept although the delete was acknowledged")
	}
}

// brokenData is a data plane whose every call fails for good.
type brokenData struct{}

func (brokenData) CreateShare(string) (string, error) {
	return "", worker.Permanent(errors.New("disk on fire"))
}
func (brokenData) DeleteShare(string) error { return worker.Permanent(errors.New("disk on fire")) }
func (brokenData) CreateShareFromSnapshot(context.Context, string, string) (string, error) {
	return "", worker.Permanent(errors.New("disk on fire"))
}
func (brokenData) AdoptShare(string, string) (string, int64, error) {
	return "", 0, worker.Permanent(errors.New("disk on fire"))
}

func TestShareJobFailures(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, e shareEnv)
		wantStatus string
	}{
		{"create", func(t *testing.T, e shareEnv) {}, "error"},
		{"delete", func(t *testing.T, e shareEnv) {
			ctx := context.Background()
			// Do the create job by hand (claim it, make the share
			// available), then ask for the share's deletion.
			job, _, err := e.db.ClaimJob(ctx, storage.JobLease{Owner: "by-hand", TTL: time.Minute})
			if err != nil || job == nil {
				t.Fatalf("claim the create job: %v, %v", job, err)
			}
			err = e.db.Write(ctx, func(tx *storage.Tx) error {
				if err := tx.FinishJob(ctx, *job); err != nil {
					return err
				}
				return tx.TransitionShare(ctx, "s1", move(nil, "available"))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := e.db.TransitionShare(ctx, "s1", move([]string{"available"}, "deleting"), storage.JobShareDelete, 0); err != nil {
				t.Fatal(err)
			}
		}, "error_deleting"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newShareEnv(t)
			e.createShare(t, "s1", nil)
			tc.setup(t, e)
			e.startPool(t, brokenData{})
			e.waitStatus(t, "s1", tc.wantStatus)
			waitFor(t, 5*time.Second, "the job to be marked failed", func() bool {
				jobs := listJobs(t, e.db)
				return len(jobs) == 1 && jobs[0].State == "failed"
			})
			j := listJobs(t, e.db)[0]
			if j.LastError == nil || *j.LastError != "disk on fire" || j.Attempts != 1 {
				t.Errorf("failed job = %+v", j)
			}
		})
	}
}

func strOf(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

// slowCreate is the local backend with a CreateShare that waits for a gate,
// as a slow data plane would.
type slowCreate struct {
	*backend.Local
	entered chan struct{}
	gate    chan struct{}
}

func (s slowCreate) CreateShare(id string) (string, error) {
	close(s.entered)
	<-s.gate
	return s.Local.CreateShare(id)
}

func TestShareForceDeletedWhileCreateQueued(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	e.createShare(t, "s1", nil)
	// Force delete (any status → deleting) while the create job is queued.
	if err := e.db.TransitionShare(ctx, "s1", move(nil, "deleting"), storage.JobShareDelete, 0); err != nil {
		t.Fatal(err)
	}
	e.startPool(t, e.data)
	e.waitNoJobs(t)
	if _, err := e.share(t, "s1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("share after both jobs: %v", err)
	}
	if e.data.ShareExists("s1") {
		t.Error("the deleted share's directory was left behind")
	}
}

func TestShareForceDeletedDuringCreate(t *testing.T) {
	e := newShareEnv(t)
	ctx := context.Background()
	e.createShare(t, "s1", nil)
	data := slowCreate{Local: e.data, entered: make(chan struct{}), gate: make(chan struct{})}
	pool := e.startPool(t, data)
	select {
	case <-data.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("create job did not reach the data plane")
	}
	// Force delete while the create job is making the directory: the
	// delete job must wait for it, not run beside it.
	if err := e.db.TransitionShare(ctx, "s1", move(nil, "deleting"), storage.JobShareDelete, 0); err != nil {
		t.Fatal(err)
	}
	pool.Notify()
	time.Sleep(200 * time.Millisecond)
	if _, err := e.share(t, "s1"); err != nil {
		t.Fatalf("the delete job ran while the create job was running: %v", err)
	}
	close(data.gate)
	e.waitNoJobs(t)
	if _, err := e.share(t, "s1"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("share after both jobs: %v", err)
	}
	if e.data.ShareExists("s1") {
		t.Error("the deleted share's directory was left behind")
	}
}
