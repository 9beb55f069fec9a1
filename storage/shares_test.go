package storage_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

func TestCreateShareWritesShareMetadataAndJob(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mustShareType(t, db, storage.ShareType{ID: "t1", Name: "gold", IsPublic: true, ExtraSpecs: map[string]string{"snapshot_support": "False"}})
	mustAvailableCG(t, db, "cg")

	in := storage.Share{
		ID: "s1", ProjectID: "p1", UserID: "u1", Name: ptr("n"), Description: ptr("d"), Size: 7, Proto: "CIFS",
		Status: "creating", ShareTypeID: ptr("t1"), AvailabilityZone: ptr("az1"), IsPublic: true,
		SnapshotID: ptr("snap"), ShareNetworkID: ptr("net"), Host: ptr(""), ShareGroupID: ptr("cg"),
		Metadata: map[string]string{"a": "1", "b": "2"},
	}
	got, err := db.CreateShare(ctx, in, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	check := func(label string, got storage.Share) {
		t.Helper()
		if got.ID != "s1" || got.ProjectID != "p1" || got.UserID != "u1" || strOf(got.Name) != "n" ||
			strOf(got.Description) != "d" || got.Size != 7 || got.Proto != "CIFS" || got.Status != "creating" ||
			strOf(got.ShareTypeID) != "t1" || strOf(got.ShareTypeName) != "gold" || strOf(got.AvailabilityZone) != "az1" ||
			!got.IsPublic || strOf(got.SnapshotID) != "snap" || strOf(got.ShareNetworkID) != "net" ||
			strOf(got.Host) != "" || strOf(got.ShareGroupID) != "cg" || got.IsSoftDeleted ||
			got.Progress != nil || got.TaskState != nil || got.UpdatedAt != nil || got.ScheduledToBeDeletedAt != nil {
			t.Errorf("%s: share = %+v", label, got)
		}
		if !got.CreatedAt.Equal(c.Now()) {
			t.Errorf("%s: CreatedAt = %v, want %v", label, got.CreatedAt, c.Now())
		}
		if !maps.Equal(got.Metadata, in.Metadata) {
			t.Errorf("%s: metadata = %v, want %v", label, got.Metadata, in.Metadata)
		}
		if got.TypeExtraSpecs["snapshot_support"] != "False" {
			t.Errorf("%s: type extra specs = %v", label, got.TypeExtraSpecs)
		}
		if len(got.ExportLocations) != 0 {
			t.Errorf("%s: export locations = %v", label, got.ExportLocations)
		}
	}
	check("returned", got)
	again, err := db.GetShare(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	check("GetShare", again)

	jobs := jobsOf(t, db, "")
	if len(jobs) != 1 {
		t.Fatalf("jobs = %+v, want exactly one", jobs)
	}
	j := jobs[0]
	if j.Kind != storage.JobShareCreate || j.ResourceID != "s1" || j.State != "pending" || j.Attempts != 0 ||
		j.LastError != nil || j.Payload != nil {
		t.Errorf("job = %+v", j)
	}
	if !j.CreatedAt.Equal(c.Now()) || !j.RunAfter.Equal(c.Now().Add(90*time.Second)) {
		t.Errorf("job created %v due %v; want %v and 90s later", j.CreatedAt, j.RunAfter, c.Now())
	}
}

func TestCreateShareIsAtomic(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustCreateShare(t, db, baseShare("s1"))

	// A duplicate id fails and leaves no second job or metadata behind.
	dup := baseShare("s1")
	dup.Metadata = map[string]string{"x": "y"}
	if _, err := db.CreateShare(ctx, dup, 0); err == nil {
		t.Fatal("duplicate share id accepted")
	}
	if n := len(jobsOf(t, db, "")); n != 1 {
		t.Errorf("%d jobs after a failed create, want 1", n)
	}
	if sh, _ := db.GetShare(ctx, "s1"); len(sh.Metadata) != 0 {
		t.Errorf("failed create changed the metadata: %v", sh.Metadata)
	}

	// When the job cannot be written, neither share nor metadata are kept.
	if pgCluster != nil {
		exec(t, db, `CREATE FUNCTION no_jobs() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RAISE EXCEPTION ''no jobs today''; END'`)
		exec(t, db, `CREATE TRIGGER no_jobs BEFORE INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION no_jobs()`)
	} else {
		exec(t, db, `CREATE TRIGGER no_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'no jobs today'); END`)
	}
	sh := baseShare("s2")
	sh.Metadata = map[string]string{"k": "v"}
	if _, err := db.CreateShare(ctx, sh, 0); err == nil {
		t.Fatal("CreateShare succeeded although the job insert fails")
	}
	if _, err := db.GetShare(ctx, "s2"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("share of a failed create exists: %v", err)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM share_metadata WHERE share_id = 's2'`); n != 0 {
		t.Errorf("%d metadata rows of a failed create", n)
	}
	if pgCluster != nil {
		exec(t, db, `DROP TRIGGER no_jobs ON jobs`)
	} else {
		exec(t, db, `DROP TRIGGER no_jobs`)
	}
	mustCreateShare(t, db, sh)
}

func TestGetShareSoftDeleted(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	sh := baseShare("s1")
	sh.Status = "available"
	sh.Metadata = map[string]string{"k": "v"}
	mustCreateShare(t, db, sh)
	mustCreateShare(t, db, baseShare("s2"))
	err := db.Write(ctx, func(tx *storage.Tx) error {
		return tx.AddExportLocation(ctx, storage.ExportLocation{ID: "el1", ShareID: "s1", Path: "/x/s1", Preferred: true})
	})
	if err != nil {
		t.Fatal(err)
	}

	// The from list is respected.
	err = db.Write(ctx, func(tx *storage.Tx) error {
		return tx.SoftDeleteShare(ctx, "s1", move([]string{"deleting"}, "deleted"))
	})
	wantStateError(t, err, "available")
	if _, err := db.GetShare(ctx, "s1"); err != nil {
		t.Fatalf("refused soft delete removed the share: %v", err)
	}

	at := c.Advance(time.Minute)
	if err := db.Write(ctx, func(tx *storage.Tx) error {
		return tx.SoftDeleteShare(ctx, "s1", move([]string{"available"}, "deleted"))
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetShare(ctx, "s1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetShare of a soft-deleted share: err = %v, want ErrNotFound", err)
	}
	for _, f := range []storage.ShareFilter{{}, {IDs: []string{"s1"}}, {IsSoftDeleted: true}, {ExportLocationPath: ptr("/x/s1")}} {
		list, n, err := db.ListShares(ctx, f, true)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(shareIDs(list), "s1") {
			t.Errorf("ListShares(%+v) lists the soft-deleted share", f)
		}
		if n != len(list) {
			t.Errorf("ListShares(%+v) count = %d, listed %d", f, n, len(list))
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM shares WHERE id = 's1' AND deleted = 's1' AND status = 'deleted' AND deleted_at = ?`,
		storage.FormatTime(at)); n != 1 {
		t.Error("soft-deleted row does not carry deleted = id, status deleted and deleted_at")
	}
	if n := queryInt(t, db, `SELECT count(*) FROM export_locations WHERE share_id = 's1' AND deleted = 'el1'`); n != 1 {
		t.Error("export location not soft-deleted")
	}

	// Further operations on it see no share.
	if err := db.TransitionShare(ctx, "s1", move(nil, "available"), "", 0); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("TransitionShare err = %v, want ErrNotFound", err)
	}
	err = db.Write(ctx, func(tx *storage.Tx) error { return tx.SoftDeleteShare(ctx, "s1", move(nil, "deleted")) })
	if !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("second SoftDeleteShare err = %v, want ErrNotFound", err)
	}
	if got, err := db.GetShare(ctx, "s2"); err != nil || got.Status != "creating" {
		t.Errorf("other share: %+v, %v", got, err)
	}
}

// listFixture is a set of shares exercising every ShareFilter field.
func listFixture(t *testing.T) *storage.DB {
	t.Helper()
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mustShareType(t, db, storage.ShareType{ID: "T1", Name: "gold", IsPublic: true, ExtraSpecs: map[string]string{"tier": "gold", "snapshot_support": "True"}})
	mustShareType(t, db, storage.ShareType{ID: "T2", Name: "silver", IsPublic: true, ExtraSpecs: map[string]string{"tier": "silver"}})
	mustAvailableCG(t, db, "cg1")

	shares := []storage.Share{
		{ID: "s01", ProjectID: "pA", UserID: "u", Name: ptr("alpha"), Description: ptr("first share"), Size: 1, Proto: "NFS",
			Status: "available", ShareTypeID: ptr("T1"), AvailabilityZone: ptr("az1"), ShareNetworkID: ptr("net1"), Host: ptr("h1"),
			Metadata: map[string]string{"env": "prod"}},
		{ID: "s02", ProjectID: "pA", UserID: "u", Name: ptr("abc"), Description: ptr("second"), Size: 2, Proto: "CIFS",
			Status: "error", ShareTypeID: ptr("T2"), AvailabilityZone: ptr("az2"), IsPublic: true, SnapshotID: ptr("snap1"),
			Host: ptr("h2"), ShareGroupID: ptr("cg1"), Metadata: map[string]string{"env": "dev", "team": "x"}},
		{ID: "s03", ProjectID: "pB", UserID: "u", Name: ptr("beta"), Size: 3, Proto: "NFS",
			Status: "available", ShareTypeID: ptr("T1"), AvailabilityZone: ptr("az1"), IsPublic: true,
			Metadata: map[string]string{"env": "prod"}},
		{ID: "s04", ProjectID: "pB", UserID: "u", Description: ptr("fourth share"), Size: 1, Proto: "NFS",
			Status: "creating", ShareTypeID: ptr("T2")},
		{ID: "s05", ProjectID: "pA", UserID: "u", Name: ptr("gamma"), Size: 1, Proto: "NFS",
			Status: "available", ShareTypeID: ptr("T1"), AvailabilityZone: ptr("az1"), Metadata: map[string]string{"env": "prod"}},
		{ID: "s06", ProjectID: "pA", UserID: "u", Name: ptr("alpha"), Description: ptr("first share"), Size: 1, Proto: "NFS",
			Status: "available", ShareTypeID: ptr("T1"), AvailabilityZone: ptr("az1"), ShareNetworkID: ptr("net1"), Host: ptr("h1"),
			IsPublic: true, Metadata: map[string]string{"env": "prod"}},
	}
	for _, sh := range shares {
		c.Advance(time.Second)
		mustCreateShare(t, db, sh)
	}
	err := db.Write(ctx, func(tx *storage.Tx) error {
		for _, el := range []storage.ExportLocation{
			{ID: "el1", ShareID: "s01", Path: "/exports/s01", Preferred: true},
			{ID: "el3", ShareID: "s03", Path: "/exports/s03", Preferred: true},
			{ID: "el6", ShareID: "s06", Path: "/exports/s06", Preferred: true},
		} {
			if err := tx.AddExportLocation(ctx, el); err != nil {
				return err
			}
		}
		return tx.SoftDeleteShare(ctx, "s06", move([]string{"available"}, "deleted"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SoftDeleteShareToBin(ctx, "s05", state.Set[state.ShareStatus]{"available"}, c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestListSharesFilters(t *testing.T) {
	ctx := context.Background()
	db := listFixture(t)
	tests := []struct {
		name string
		f    storage.ShareFilter
		want []string
	}{
		{"everything", storage.ShareFilter{}, []string{"s01", "s02", "s03", "s04"}},
		{"project", storage.ShareFilter{ProjectID: "pA"}, []string{"s01", "s02"}},
		{"project and public", storage.ShareFilter{ProjectID: "pA", IncludePublic: true}, []string{"s01", "s02", "s03"}},
		{"other project and public", storage.ShareFilter{ProjectID: "pB", IncludePublic: true}, []string{"s02", "s03", "s04"}},
		{"unknown project", storage.ShareFilter{ProjectID: "pZ"}, nil},
		{"include public without project", storage.ShareFilter{IncludePublic: true}, []string{"s01", "s02", "s03", "s04"}},
		{"ids", storage.ShareFilter{IDs: []string{"s03", "s01", "s05", "s06", "nope"}}, []string{"s01", "s03"}},
		{"name", storage.ShareFilter{Name: ptr("alpha")}, []string{"s01"}},
		{"name exact only", storage.ShareFilter{Name: ptr("alp")}, nil},
		{"name like", storage.ShareFilter{NameLike: ptr("a")}, []string{"s01", "s02", "s03"}},
		{"name like underscore wildcard", storage.ShareFilter{NameLike: ptr("a_c")}, []string{"s02"}},
		{"name like percent wildcard", storage.ShareFilter{NameLike: ptr("l%a")}, []string{"s01"}},
		{"name like ignores case", storage.ShareFilter{NameLike: ptr("ALP")}, []string{"s01"}},
		{"description", storage.ShareFilter{Description: ptr("second")}, []string{"s02"}},
		{"description like", storage.ShareFilter{DescriptionLike: ptr("share")}, []string{"s01", "s04"}},
		{"status", storage.ShareFilter{Status: ptr("available")}, []string{"s01", "s03"}},
		{"share type", storage.ShareFilter{ShareTypeID: ptr("T2")}, []string{"s02", "s04"}},
		{"snapshot", storage.ShareFilter{SnapshotID: ptr("snap1")}, []string{"s02"}},
		{"share network", storage.ShareFilter{ShareNetworkID: ptr("net1")}, []string{"s01"}},
		{"host", storage.ShareFilter{Host: ptr("h2")}, []string{"s02"}},
		{"proto", storage.ShareFilter{ShareProto: ptr("CIFS")}, []string{"s02"}},
		{"availability zone", storage.ShareFilter{AvailabilityZone: ptr("az1")}, []string{"s01", "s03"}},
		{"consistency group", storage.ShareFilter{ShareGroupID: ptr("cg1")}, []string{"s02"}},
		{"export location id", storage.ShareFilter{ExportLocationID: ptr("el1")}, []string{"s01"}},
		{"deleted export location id", storage.ShareFilter{ExportLocationID: ptr("el6")}, nil},
		{"export location path", storage.ShareFilter{ExportLocationPath: ptr("/exports/s03")}, []string{"s03"}},
		{"public", storage.ShareFilter{IsPublic: ptr(true)}, []string{"s02", "s03"}},
		{"private", storage.ShareFilter{IsPublic: ptr(false)}, []string{"s01", "s04"}},
		{"recycle bin", storage.ShareFilter{IsSoftDeleted: true}, []string{"s05"}},
		{"recycle bin of another project", storage.ShareFilter{IsSoftDeleted: true, ProjectID: "pB"}, nil},
		{"metadata", storage.ShareFilter{Metadata: map[string]string{"env": "prod"}}, []string{"s01", "s03"}},
		{"two metadata", storage.ShareFilter{Metadata: map[string]string{"env": "dev", "team": "x"}}, []string{"s02"}},
		{"two metadata, one wrong", storage.ShareFilter{Metadata: map[string]string{"env": "dev", "team": "y"}}, nil},
		{"extra specs", storage.ShareFilter{ExtraSpecs: map[string]string{"tier": "silver"}}, []string{"s02", "s04"}},
		{"two extra specs", storage.ShareFilter{ExtraSpecs: map[string]string{"tier": "gold", "snapshot_support": "True"}}, []string{"s01", "s03"}},
		{"combined", storage.ShareFilter{ProjectID: "pA", Status: ptr("available"), NameLike: ptr("al")}, []string{"s01"}},
		{"combined, nothing", storage.ShareFilter{ProjectID: "pA", Status: ptr("error"), ShareProto: ptr("NFS")}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := db.ListShares(ctx, tc.f, true)
			if err != nil {
				t.Fatal(err)
			}
			if ids := shareIDs(got); !slices.Equal(ids, tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
				t.Errorf("ids = %v, want %v", ids, tc.want)
			}
			if n != len(tc.want) {
				t.Errorf("count = %d, want %d", n, len(tc.want))
			}
		})
	}

	// Listed shares come with their metadata, type and export locations.
	got, _, err := db.ListShares(ctx, storage.ShareFilter{IDs: []string{"s01", "s02"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d shares", len(got))
	}
	if got[0].Metadata["env"] != "prod" || strOf(got[0].ShareTypeName) != "gold" || got[0].TypeExtraSpecs["tier"] != "gold" ||
		len(got[0].ExportLocations) != 1 || got[0].ExportLocations[0].Path != "/exports/s01" {
		t.Errorf("s01 = %+v", got[0])
	}
	if !maps.Equal(got[1].Metadata, map[string]string{"env": "dev", "team": "x"}) || len(got[1].ExportLocations) != 0 {
		t.Errorf("s02 = %+v", got[1])
	}
}

func TestListSharesSortAndPage(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	// Created out of id order so that created_at and id disagree.
	for _, sh := range []struct {
		id, status string
		size       int
		name       *string
	}{
		{"c", "available", 2, ptr("n1")},
		{"a", "available", 2, ptr("n2")},
		{"e", "error", 2, ptr("n1")},
		{"b", "error", 1, nil},
		{"d", "creating", 1, ptr("n3")},
	} {
		c.Advance(time.Second)
		s := baseShare(sh.id)
		s.Status, s.Size, s.Name = state.ShareStatus(sh.status), sh.size, sh.name
		mustCreateShare(t, db, s)
	}

	tests := []struct {
		col  string
		desc bool
		want []string
	}{
		{"", false, []string{"a", "b", "c", "d", "e"}},
		{"", true, []string{"e", "d", "c", "b", "a"}},
		{"id", false, []string{"a", "b", "c", "d", "e"}},
		{"id", true, []string{"e", "d", "c", "b", "a"}},
		{"size", false, []string{"b", "d", "a", "c", "e"}},
		{"size", true, []string{"e", "c", "a", "d", "b"}},
		{"display_name", false, []string{"b", "c", "e", "a", "d"}}, // NULL first
		{"display_name", true, []string{"d", "a", "e", "c", "b"}},
		{"created_at", false, []string{"c", "a", "e", "b", "d"}},
		{"created_at", true, []string{"d", "b", "e", "a", "c"}},
		{"status", false, []string{"a", "c", "d", "b", "e"}},
		{"status", true, []string{"e", "b", "d", "c", "a"}},
	}
	for _, tc := range tests {
		name := "by " + tc.col
		if tc.desc {
			name += " desc"
		}
		t.Run(name, func(t *testing.T) {
			got, n, err := db.ListShares(ctx, storage.ShareFilter{SortColumn: tc.col, SortDesc: tc.desc}, true)
			if err != nil {
				t.Fatal(err)
			}
			if ids := shareIDs(got); !slices.Equal(ids, tc.want) {
				t.Errorf("order = %v, want %v", ids, tc.want)
			}
			if n != 5 {
				t.Errorf("count = %d, want 5", n)
			}
		})
	}

	pages := []struct {
		name   string
		f      storage.ShareFilter
		want   []string
		wantN  int
		counts bool
	}{
		{"first page", storage.ShareFilter{SortColumn: "size", Limit: ptr(2)}, []string{"b", "d"}, 5, true},
		{"second page", storage.ShareFilter{SortColumn: "size", Limit: ptr(2), Offset: 2}, []string{"a", "c"}, 5, true},
		{"last page", storage.ShareFilter{SortColumn: "size", Limit: ptr(2), Offset: 4}, []string{"e"}, 5, true},
		{"past the end", storage.ShareFilter{SortColumn: "size", Limit: ptr(2), Offset: 6}, nil, 5, true},
		{"offset without limit", storage.ShareFilter{SortColumn: "size", Offset: 3}, []string{"c", "e"}, 5, true},
		{"limit zero", storage.ShareFilter{Limit: ptr(0)}, nil, 5, true},
		{"desc page", storage.ShareFilter{SortColumn: "size", SortDesc: true, Limit: ptr(3), Offset: 1}, []string{"c", "a", "d"}, 5, true},
		{"filtered page", storage.ShareFilter{Status: ptr("error"), Limit: ptr(1), Offset: 1}, []string{"e"}, 2, true},
		{"no count", storage.ShareFilter{Limit: ptr(1)}, []string{"a"}, 0, false},
	}
	for _, tc := range pages {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := db.ListShares(ctx, tc.f, tc.counts)
			if err != nil {
				t.Fatal(err)
			}
			if ids := shareIDs(got); !slices.Equal(ids, tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
				t.Errorf("ids = %v, want %v", ids, tc.want)
			}
			if n != tc.wantN {
				t.Errorf("count = %d, want %d", n, tc.wantN)
			}
		})
	}
}

func TestListSharesSortColumns(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustCreateShare(t, db, baseShare("s1"))
	for col := range storage.ShareSortColumns {
		for _, desc := range []bool{false, true} {
			if _, _, err := db.ListShares(ctx, storage.ShareFilter{SortColumn: col, SortDesc: desc}, true); err != nil {
				t.Errorf("sort by %q (desc %v): %v", col, desc, err)
			}
		}
	}
	for _, col := range []string{"bogus", "name", "s.id", "size; DROP TABLE shares", "size DESC", "deleted"} {
		t.Run(col, func(t *testing.T) {
			if got, _, err := db.ListShares(ctx, storage.ShareFilter{SortColumn: col}, true); err == nil {
				t.Errorf("sort by %q accepted: %v", col, shareIDs(got))
			}
		})
	}
	if _, err := db.GetShare(ctx, "s1"); err != nil {
		t.Errorf("shares table damaged: %v", err)
	}
}

func TestUpdateShare(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	sh := baseShare("s1")
	sh.Name, sh.Description = ptr("name"), ptr("desc")
	sh.Metadata = map[string]string{"k": "v"}
	mustCreateShare(t, db, sh)
	gone := baseShare("gone")
	gone.Status = "available"
	mustCreateShare(t, db, gone)
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.SoftDeleteShare(ctx, "gone", move(nil, "deleted")) }); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name        string
		id          string
		u           storage.ShareUpdate
		wantErr     error
		wantName    string
		wantDesc    string
		wantPublic  bool
		wantUpdated bool
	}{
		{"nothing", "s1", storage.ShareUpdate{}, nil, "name", "desc", false, false},
		{"set name", "s1", storage.ShareUpdate{Name: ptr("new")}, nil, "new", "desc", false, true},
		{"set description", "s1", storage.ShareUpdate{Description: ptr("words")}, nil, "new", "words", false, true},
		{"set public", "s1", storage.ShareUpdate{IsPublic: ptr(true)}, nil, "new", "words", true, true},
		{"clear name", "s1", storage.ShareUpdate{ClearName: true}, nil, "<nil>", "words", true, true},
		{"clear description", "s1", storage.ShareUpdate{ClearDescription: true}, nil, "<nil>", "<nil>", true, true},
		{"set both, private", "s1", storage.ShareUpdate{Name: ptr("a"), Description: ptr("b"), IsPublic: ptr(false)}, nil, "a", "b", false, true},
		{"empty string is not clearing", "s1", storage.ShareUpdate{Name: ptr("")}, nil, "", "b", false, true},
		{"unknown", "nope", storage.ShareUpdate{Name: ptr("x")}, storage.ErrNotFound, "", "", false, false},
		{"unknown, nothing to do", "nope", storage.ShareUpdate{}, storage.ErrNotFound, "", "", false, false},
		{"soft-deleted", "gone", storage.ShareUpdate{Name: ptr("x")}, storage.ErrNotFound, "", "", false, false},
	}
	var lastUpdate *time.Time
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := c.Advance(time.Second)
			got, err := db.UpdateShare(ctx, tc.id, tc.u)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strOf(got.Name) != tc.wantName || strOf(got.Description) != tc.wantDesc || got.IsPublic != tc.wantPublic {
				t.Errorf("name=%q desc=%q public=%v", strOf(got.Name), strOf(got.Description), got.IsPublic)
			}
			switch {
			case tc.wantUpdated && (got.UpdatedAt == nil || !got.UpdatedAt.Equal(now)):
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, now)
			case !tc.wantUpdated && !equalTimePtr(got.UpdatedAt, lastUpdate):
				t.Errorf("UpdatedAt = %v changed by an empty update", got.UpdatedAt)
			}
			lastUpdate = got.UpdatedAt
			if got.Metadata["k"] != "v" || got.Status != "creating" {
				t.Errorf("update touched other fields: %+v", got)
			}
			stored, err := db.GetShare(ctx, tc.id)
			if err != nil || strOf(stored.Name) != tc.wantName || strOf(stored.Description) != tc.wantDesc {
				t.Errorf("stored = %+v, %v", stored, err)
			}
		})
	}
}

func equalTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func TestTransitionShare(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	for _, id := range []string{"s1", "gone"} {
		sh := baseShare(id)
		sh.Status = "available"
		mustCreateShare(t, db, sh)
	}
	if err := db.Write(ctx, func(tx *storage.Tx) error { return tx.SoftDeleteShare(ctx, "gone", move(nil, "deleted")) }); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		id         string
		from       []string
		to         string
		job        string
		wantErr    error
		wantState  string // for *StateError
		wantStatus string // status afterwards
	}{
		{"from matches", "s1", []string{"available"}, "extending", "", nil, "", "extending"},
		{"from does not match", "s1", []string{"available", "error"}, "deleting", storage.JobShareDelete, nil, "extending", "extending"},
		{"one of several", "s1", []string{"error", "extending"}, "available", "", nil, "", "available"},
		{"empty from accepts any", "s1", nil, "error", "", nil, "", "error"},
		{"same status", "s1", []string{"error"}, "error", "", nil, "", "error"},
		{"with job", "s1", []string{"error"}, "deleting", storage.JobShareDelete, nil, "", "deleting"},
		{"unknown", "nope", nil, "available", storage.JobShareDelete, storage.ErrNotFound, "", ""},
		{"soft-deleted", "gone", nil, "available", storage.JobShareDelete, storage.ErrNotFound, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := c.Advance(time.Second)
			jobsBefore := len(jobsOf(t, db, storage.JobShareDelete))
			err := db.TransitionShare(ctx, tc.id, move(tc.from, tc.to), tc.job, 30*time.Second)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case tc.wantState != "":
				wantStateError(t, err, tc.wantState)
			case err != nil:
				t.Fatalf("err = %v", err)
			}
			jobs := jobsOf(t, db, storage.JobShareDelete)
			wantJobs := jobsBefore
			if err == nil && tc.job != "" {
				wantJobs++
			}
			if len(jobs) != wantJobs {
				t.Fatalf("%d delete jobs, want %d", len(jobs), wantJobs)
			}
			if wantJobs > jobsBefore {
				j := jobs[len(jobs)-1]
				if j.ResourceID != tc.id || j.State != "pending" || !j.RunAfter.Equal(now.Add(30*time.Second)) {
					t.Errorf("job = %+v", j)
				}
			}
			if tc.wantStatus == "" {
				return
			}
			sh, err := db.GetShare(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if string(sh.Status) != tc.wantStatus {
				t.Errorf("status = %q, want %q", sh.Status, tc.wantStatus)
			}
			if tc.wantState == "" && (sh.UpdatedAt == nil || !sh.UpdatedAt.Equal(now)) {
				t.Errorf("UpdatedAt = %v, want %v", sh.UpdatedAt, now)
			}
		})
	}
}

func TestTransitionShareToAndPlaceShare(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustCreateShare(t, db, baseShare("s1"))
	withAZ := baseShare("s2")
	withAZ.AvailabilityZone = ptr("asked")
	mustCreateShare(t, db, withAZ)

	err := db.Write(ctx, func(tx *storage.Tx) error {
		for _, id := range []string{"s1", "s2"} {
			if err := tx.TransitionShareTo(ctx, id, move([]string{"creating"}, "available"), "100%"); err != nil {
				return err
			}
			if err := tx.PlaceShare(ctx, id, "host@be#pool", "zone"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for id, wantAZ := range map[string]string{"s1": "zone", "s2": "asked"} {
		sh, err := db.GetShare(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sh.Status != "available" || strOf(sh.Progress) != "100%" || strOf(sh.Host) != "host@be#pool" || strOf(sh.AvailabilityZone) != wantAZ {
			t.Errorf("%s: status=%q progress=%q host=%q az=%q", id, sh.Status, strOf(sh.Progress), strOf(sh.Host), strOf(sh.AvailabilityZone))
		}
	}
	// A refused transition leaves the progress alone.
	err = db.Write(ctx, func(tx *storage.Tx) error {
		return tx.TransitionShareTo(ctx, "s1", move([]string{"creating"}, "available"), "50%")
	})
	wantStateError(t, err, "available")
	if sh, _ := db.GetShare(ctx, "s1"); strOf(sh.Progress) != "100%" {
		t.Errorf("progress = %q after a refused transition", strOf(sh.Progress))
	}
}

func TestExportLocations(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mustCreateShare(t, db, baseShare("s1"))
	mustCreateShare(t, db, baseShare("s2"))
	err := db.Write(ctx, func(tx *storage.Tx) error {
		if err := tx.AddExportLocation(ctx, storage.ExportLocation{ID: "e1", ShareID: "s1", Path: "/p/1", Preferred: true}); err != nil {
			return err
		}
		return tx.AddExportLocation(ctx, storage.ExportLocation{ID: "e2", ShareID: "s1", Path: "/p/2", IsAdminOnly: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := db.GetShare(ctx, "s1")
	if len(sh.ExportLocations) != 2 || sh.ExportLocations[0].ID != "e1" || sh.ExportLocations[1].ID != "e2" {
		t.Fatalf("share export locations = %+v", sh.ExportLocations)
	}
	if el := sh.ExportLocations[1]; el.Path != "/p/2" || !el.IsAdminOnly || el.Preferred || !el.CreatedAt.Equal(c.Now()) {
		t.Errorf("export location = %+v", el)
	}
	if other, _ := db.GetShare(ctx, "s2"); len(other.ExportLocations) != 0 {
		t.Errorf("another share has export locations %+v", other.ExportLocations)
	}
	err = db.Write(ctx, func(tx *storage.Tx) error {
		return tx.AddExportLocation(ctx, storage.ExportLocation{ID: "e3", ShareID: "missing", Path: "/p/3"})
	})
	if err == nil {
		t.Error("export location of a missing share accepted")
	}
}

func TestTransitionShareRace(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	const racers = 20
	for round := range 3 {
		id := "race-" + string(rune('a'+round))
		sh := baseShare(id)
		sh.Status = "available"
		mustCreateShare(t, db, sh)

		start := make(chan struct{})
		errs := make([]error, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[i] = db.TransitionShare(ctx, id, move([]string{"available"}, "deleting"), storage.JobShareDelete, 0)
			}()
		}
		close(start)
		wg.Wait()

		wins := 0
		for i, err := range errs {
			if err == nil {
				wins++
				continue
			}
			var se *storage.StateError
			if !errors.As(err, &se) || se.Current != "deleting" {
				t.Errorf("round %d racer %d: err = %v, want *StateError{deleting}", round, i, err)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d racers won, want exactly 1", round, wins)
		}
		var jobs []storage.Job
		for _, j := range jobsOf(t, db, storage.JobShareDelete) {
			if j.ResourceID == id {
				jobs = append(jobs, j)
			}
		}
		if len(jobs) != 1 {
			t.Errorf("round %d: %d delete jobs enqueued, want 1", round, len(jobs))
		}
		if got, _ := db.GetShare(ctx, id); got.Status != "deleting" {
			t.Errorf("round %d: status = %q", round, got.Status)
		}
	}
}

func TestRecycleBin(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	for id, status := range map[string]string{"s1": "available", "s2": "error", "s3": "creating", "s4": "available"} {
		sh := baseShare(id)
		sh.Status = state.ShareStatus(status)
		mustCreateShare(t, db, sh)
	}
	purge := c.Now().Add(7 * 24 * time.Hour).Add(123 * time.Nanosecond)
	from := state.Set[state.ShareStatus]{"available", "error"}

	binSteps := []struct {
		name      string
		id        string
		wantErr   error
		wantState string
		wantInBin bool
	}{
		{"available", "s1", nil, "", true},
		{"error", "s2", nil, "", true},
		{"status not allowed", "s3", nil, "creating", false},
		{"already in the bin", "s1", nil, "soft_deleted", true},
		{"unknown", "nope", storage.ErrNotFound, "", false},
	}
	for _, tc := range binSteps {
		t.Run("bin "+tc.name, func(t *testing.T) {
			err := db.SoftDeleteShareToBin(ctx, tc.id, from, purge)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			case tc.wantState != "":
				wantStateError(t, err, tc.wantState)
			case err != nil:
				t.Fatal(err)
			}
			sh, err := db.GetShare(ctx, tc.id)
			if err != nil {
				t.Fatalf("a share in the bin is still readable by id: %v", err)
			}
			if sh.IsSoftDeleted != tc.wantInBin {
				t.Errorf("IsSoftDeleted = %v, want %v", sh.IsSoftDeleted, tc.wantInBin)
			}
			if tc.wantInBin {
				if sh.ScheduledToBeDeletedAt == nil || !sh.ScheduledToBeDeletedAt.Equal(purge.Truncate(time.Microsecond)) {
					t.Errorf("ScheduledToBeDeletedAt = %v, want %v", sh.ScheduledToBeDeletedAt, purge)
				}
			} else if sh.ScheduledToBeDeletedAt != nil {
				t.Errorf("ScheduledToBeDeletedAt = %v for a share outside the bin", sh.ScheduledToBeDeletedAt)
			}
		})
	}
	list := func(bin bool) []string {
		got, _, err := db.ListShares(ctx, storage.ShareFilter{IsSoftDeleted: bin}, false)
		if err != nil {
			t.Fatal(err)
		}
		return shareIDs(got)
	}
	if got := list(false); !slices.Equal(got, []string{"s3", "s4"}) {
		t.Errorf("ordinary list = %v, want [s3 s4]", got)
	}
	if got := list(true); !slices.Equal(got, []string{"s1", "s2"}) {
		t.Errorf("recycle bin = %v, want [s1 s2]", got)
	}

	// An admin moves s2 on to error_deleting while it sits in the bin.
	if err := db.TransitionShare(ctx, "s2", move(nil, "error_deleting"), "", 0); err != nil {
		t.Fatal(err)
	}
	refuse := state.Set[state.ShareStatus]{"deleting", "error_deleting"}
	restoreSteps := []struct {
		name      string
		id        string
		want      bool
		wantErr   error
		wantState string
		wantInBin bool
	}{
		{"not in the bin", "s4", false, nil, "", false},
		{"refused status", "s2", false, nil, "error_deleting", true},
		{"restored", "s1", true, nil, "", false},
		{"restored twice", "s1", false, nil, "", false},
		{"unknown", "nope", false, storage.ErrNotFound, "", false},
	}
	for _, tc := range restoreSteps {
		t.Run("restore "+tc.name, func(t *testing.T) {
			got, err := db.RestoreShareFromBin(ctx, tc.id, refuse)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			case tc.wantState != "":
				wantStateError(t, err, tc.wantState)
			case err != nil:
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("restored = %v, want %v", got, tc.want)
			}
			sh, err := db.GetShare(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if sh.IsSoftDeleted != tc.wantInBin || (!tc.wantInBin && sh.ScheduledToBeDeletedAt != nil) {
				t.Errorf("IsSoftDeleted = %v, ScheduledToBeDeletedAt = %v; want in bin %v", sh.IsSoftDeleted, sh.ScheduledToBeDeletedAt, tc.wantInBin)
			}
		})
	}
	if got := list(false); !slices.Equal(got, []string{"s1", "s3", "s4"}) {
		t.Errorf("ordinary list after restore = %v", got)
	}
	if got := list(true); !slices.Equal(got, []string{"s2"}) {
		t.Errorf("recycle bin after restore = %v", got)
	}
	if sh, _ := db.GetShare(ctx, "s1"); sh.Status != "available" {
		t.Errorf("restored share status = %q, want available", sh.Status)
	}
}

// mustAvailableCG makes an available consistency group that shares can join.
func mustAvailableCG(t *testing.T, db *storage.DB, id string) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.CreateShareGroup(ctx, storage.ShareGroup{ID: id, ProjectID: "pA", UserID: "u", Status: "creating"}, 0); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, func(tx *storage.Tx) error {
		if err := tx.PlaceShareGroup(ctx, id, "h", "nova"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE resource_id = ?`, id) // placed by hand, not by its job
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
