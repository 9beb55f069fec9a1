package storage_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

func TestCreateAndGetShareType(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	in := storage.ShareType{
		ID: "t1", Name: "gold", Description: ptr("fast"), IsPublic: false,
		ExtraSpecs: map[string]string{"driver_handles_share_servers": "False", "tier": "gold"},
	}
	created, err := db.CreateShareType(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !created.CreatedAt.Equal(c.Now()) {
		t.Errorf("returned CreatedAt = %v, want %v", created.CreatedAt, c.Now())
	}
	for _, get := range []struct {
		name string
		fn   func() (storage.ShareType, error)
	}{
		{"by id", func() (storage.ShareType, error) { return db.GetShareType(ctx, "t1") }},
		{"by name", func() (storage.ShareType, error) { return db.GetShareTypeByName(ctx, "gold") }},
	} {
		got, err := get.fn()
		if err != nil {
			t.Fatalf("%s: %v", get.name, err)
		}
		if got.ID != "t1" || got.Name != "gold" || strOf(got.Description) != "fast" || got.IsPublic ||
			!maps.Equal(got.ExtraSpecs, in.ExtraSpecs) || !got.CreatedAt.Equal(c.Now()) || got.UpdatedAt != nil {
			t.Errorf("%s: %+v", get.name, got)
		}
	}
	if _, err := db.GetShareType(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetShareType(nope) err = %v, want ErrNotFound", err)
	}
	if _, err := db.GetShareTypeByName(ctx, "nope"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("GetShareTypeByName(nope) err = %v, want ErrNotFound", err)
	}
}

func TestShareTypeNameReuse(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustShareType(t, db, storage.ShareType{ID: "t1", Name: "gold", ExtraSpecs: map[string]string{"a": "1"}})

	steps := []struct {
		name    string
		run     func() error
		wantErr error
	}{
		{"same name again", func() error {
			_, err := db.CreateShareType(ctx, storage.ShareType{ID: "t2", Name: "gold"})
			return err
		}, storage.ErrConflict},
		{"name of the seeded default", func() error {
			_, err := db.CreateShareType(ctx, storage.ShareType{ID: "t3", Name: "default"})
			return err
		}, storage.ErrConflict},
		{"delete the first", func() error { return db.DeleteShareType(ctx, "t1") }, nil},
		{"delete it twice", func() error { return db.DeleteShareType(ctx, "t1") }, storage.ErrNotFound},
		{"name free again", func() error {
			_, err := db.CreateShareType(ctx, storage.ShareType{ID: "t4", Name: "gold"})
			return err
		}, nil},
		{"taken by the new one", func() error {
			_, err := db.CreateShareType(ctx, storage.ShareType{ID: "t5", Name: "gold"})
			return err
		}, storage.ErrConflict},
		{"delete the second", func() error { return db.DeleteShareType(ctx, "t4") }, nil},
		{"third time", func() error {
			_, err := db.CreateShareType(ctx, storage.ShareType{ID: "t6", Name: "gold"})
			return err
		}, nil},
	}
	for _, s := range steps {
		err := s.run()
		if s.wantErr == nil && err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if s.wantErr != nil && !errors.Is(err, s.wantErr) {
			t.Fatalf("%s: err = %v, want %v", s.name, err, s.wantErr)
		}
	}
	got, err := db.GetShareTypeByName(ctx, "gold")
	if err != nil || got.ID != "t6" {
		t.Fatalf("GetShareTypeByName(gold) = %+v, %v; want t6", got, err)
	}
	if len(got.ExtraSpecs) != 0 {
		t.Errorf("new type inherited extra specs %v", got.ExtraSpecs)
	}
	if _, err := db.GetShareType(ctx, "t1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("deleted type still readable: %v", err)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM share_types WHERE name = 'gold'`); n != 3 {
		t.Errorf("%d rows named gold, want 3 (two soft-deleted)", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM share_types WHERE id = 't1' AND deleted = 't1' AND deleted_at IS NOT NULL`); n != 1 {
		t.Error("deleted type does not carry deleted = its id and a deleted_at")
	}
}

func TestDeleteShareType(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustShareType(t, db, storage.ShareType{ID: "free", Name: "free"})
	mustShareType(t, db, storage.ShareType{ID: "used", Name: "used"})
	mustShareType(t, db, storage.ShareType{ID: "binned", Name: "binned"})
	mustShareType(t, db, storage.ShareType{ID: "was-used", Name: "was-used"})
	mustShareType(t, db, storage.ShareType{ID: "gone", Name: "gone"})
	if err := db.DeleteShareType(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	for i, typ := range []string{"used", "used", "binned", "was-used"} {
		sh := baseShare([]string{"u1", "u2", "b1", "w1"}[i])
		sh.Status = "available"
		sh.ShareTypeID = ptr(typ)
		mustCreateShare(t, db, sh)
	}
	if err := db.SoftDeleteShareToBin(ctx, "b1", state.Set[state.ShareStatus]{"available"}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	err := db.Write(ctx, func(tx *storage.Tx) error {
		return tx.SoftDeleteShare(ctx, "w1", move([]string{"available"}, "deleted"))
	})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		id        string
		wantErr   error
		wantInUse int
	}{
		{"free", nil, 0},
		{"used", nil, 2},
		{"binned", nil, 1}, // a share in the recycle bin may still come back
		{"was-used", nil, 0},
		{"gone", storage.ErrNotFound, 0},
		{"never-existed", storage.ErrNotFound, 0},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			err := db.DeleteShareType(ctx, tc.id)
			switch {
			case tc.wantInUse > 0:
				var iu *storage.InUseError
				if !errors.As(err, &iu) {
					t.Fatalf("err = %v, want *InUseError", err)
				}
				if iu.Count != tc.wantInUse || iu.What != "shares" {
					t.Errorf("InUseError = %+v, want %d shares", iu, tc.wantInUse)
				}
				if _, err := db.GetShareType(ctx, tc.id); err != nil {
					t.Errorf("type in use was deleted anyway: %v", err)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if _, err := db.GetShareType(ctx, tc.id); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("after delete GetShareType err = %v, want ErrNotFound", err)
				}
			}
		})
	}
}

func TestListShareTypesFilters(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustShareType(t, db, storage.ShareType{ID: "id-a", Name: "t-a", IsPublic: true, ExtraSpecs: map[string]string{"tier": "gold"}})
	mustShareType(t, db, storage.ShareType{ID: "id-b", Name: "t-b", IsPublic: true, ExtraSpecs: map[string]string{"tier": "silver", "x": "y"}})
	mustShareType(t, db, storage.ShareType{ID: "id-c", Name: "t-c", IsPublic: false, ExtraSpecs: map[string]string{"tier": "gold"}})
	mustShareType(t, db, storage.ShareType{ID: "id-d", Name: "t-d", IsPublic: false})
	mustShareType(t, db, storage.ShareType{ID: "id-e", Name: "t-e", IsPublic: true, ExtraSpecs: map[string]string{"tier": "gold"}})
	if err := db.DeleteShareType(ctx, "id-e"); err != nil {
		t.Fatal(err)
	}
	exec(t, db, `INSERT INTO share_type_projects (share_type_id, project_id) VALUES ('id-d', 'p1'), ('id-c', 'p2')`)

	tests := []struct {
		name string
		f    storage.ShareTypeFilter
		want []string
	}{
		{"everything", storage.ShareTypeFilter{}, []string{"default", "t-a", "t-b", "t-c", "t-d"}},
		{"public", storage.ShareTypeFilter{IsPublic: ptr(true)}, []string{"default", "t-a", "t-b"}},
		{"private", storage.ShareTypeFilter{IsPublic: ptr(false)}, []string{"t-c", "t-d"}},
		{"project p1", storage.ShareTypeFilter{AccessProject: "p1"}, []string{"default", "t-a", "t-b", "t-d"}},
		{"project p2", storage.ShareTypeFilter{AccessProject: "p2"}, []string{"default", "t-a", "t-b", "t-c"}},
		{"project without grants", storage.ShareTypeFilter{AccessProject: "p3"}, []string{"default", "t-a", "t-b"}},
		{"private for p1", storage.ShareTypeFilter{IsPublic: ptr(false), AccessProject: "p1"}, []string{"t-d"}},
		{"public for p1", storage.ShareTypeFilter{IsPublic: ptr(true), AccessProject: "p1"}, []string{"default", "t-a", "t-b"}},
		{"spec tier=gold", storage.ShareTypeFilter{ExtraSpecs: map[string]string{"tier": "gold"}}, []string{"t-a", "t-c"}},
		{"two specs", storage.ShareTypeFilter{ExtraSpecs: map[string]string{"tier": "silver", "x": "y"}}, []string{"t-b"}},
		{"two specs, one wrong", storage.ShareTypeFilter{ExtraSpecs: map[string]string{"tier": "silver", "x": "z"}}, nil},
		{"seeded spec", storage.ShareTypeFilter{ExtraSpecs: map[string]string{"snapshot_support": "True"}}, []string{"default"}},
		{"spec and public", storage.ShareTypeFilter{IsPublic: ptr(true), ExtraSpecs: map[string]string{"tier": "gold"}}, []string{"t-a"}},
		{"spec, private, p2", storage.ShareTypeFilter{IsPublic: ptr(false), AccessProject: "p2", ExtraSpecs: map[string]string{"tier": "gold"}}, []string{"t-c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := db.ListShareTypes(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, st := range got {
				names = append(names, st.Name)
				if st.ExtraSpecs == nil {
					t.Errorf("%s: nil ExtraSpecs", st.Name)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("names = %v, want %v", names, tc.want)
			}
		})
	}

	// Listed types carry their own extra specs.
	got, err := db.ListShareTypes(ctx, storage.ShareTypeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range got {
		if st.Name == "t-b" && !maps.Equal(st.ExtraSpecs, map[string]string{"tier": "silver", "x": "y"}) {
			t.Errorf("t-b extra specs = %v", st.ExtraSpecs)
		}
		if st.Name == "t-d" && len(st.ExtraSpecs) != 0 {
			t.Errorf("t-d extra specs = %v", st.ExtraSpecs)
		}
	}
}

func TestShareTypeUsable(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, nil)
	mustShareType(t, db, storage.ShareType{ID: "pub", Name: "pub", IsPublic: true})
	mustShareType(t, db, storage.ShareType{ID: "priv", Name: "priv", IsPublic: false})
	mustShareType(t, db, storage.ShareType{ID: "gone", Name: "gone", IsPublic: true})
	exec(t, db, `INSERT INTO share_type_projects (share_type_id, project_id) VALUES ('priv', 'p1')`)
	if err := db.DeleteShareType(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ, project string
		want         bool
	}{
		{"pub", "p1", true},
		{"pub", "p2", true},
		{"priv", "p1", true},
		{"priv", "p2", false},
		{"gone", "p1", false},
		{"nope", "p1", false},
	}
	for _, tc := range tests {
		got, err := db.ShareTypeUsable(ctx, tc.typ, tc.project)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("ShareTypeUsable(%s, %s) = %v, want %v", tc.typ, tc.project, got, tc.want)
		}
	}
}

func TestUpdateShareType(t *testing.T) {
	ctx := context.Background()
	c := newClock()
	db := openDB(t, c)
	mustShareType(t, db, storage.ShareType{ID: "t1", Name: "one", Description: ptr("d"), IsPublic: true, ExtraSpecs: map[string]string{"k": "v"}})
	mustShareType(t, db, storage.ShareType{ID: "t2", Name: "two"})

	tests := []struct {
		name     string
		id       string
		u        storage.ShareTypeUpdate
		wantErr  error
		wantName string
		wantDesc string
		wantPub  bool
	}{
		{"rename", "t1", storage.ShareTypeUpdate{Name: ptr("uno")}, nil, "uno", "d", true},
		{"same name", "t1", storage.ShareTypeUpdate{Name: ptr("uno")}, nil, "uno", "d", true},
		{"name taken", "t1", storage.ShareTypeUpdate{Name: ptr("two")}, storage.ErrConflict, "", "", false},
		{"description", "t1", storage.ShareTypeUpdate{Description: ptr("new")}, nil, "uno", "new", true},
		{"clear description", "t1", storage.ShareTypeUpdate{ClearDescription: true}, nil, "uno", "<nil>", true},
		{"private", "t1", storage.ShareTypeUpdate{IsPublic: ptr(false)}, nil, "uno", "<nil>", false},
		{"unknown", "nope", storage.ShareTypeUpdate{Name: ptr("x")}, storage.ErrNotFound, "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := c.Advance(time.Second)
			got, err := db.UpdateShareType(ctx, tc.id, tc.u)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.wantName || strOf(got.Description) != tc.wantDesc || got.IsPublic != tc.wantPub {
				t.Errorf("got name=%q desc=%q public=%v", got.Name, strOf(got.Description), got.IsPublic)
			}
			if got.UpdatedAt == nil || !got.UpdatedAt.Equal(now) {
				t.Errorf("UpdatedAt = %v, want %v", got.UpdatedAt, now)
			}
			if got.ExtraSpecs["k"] != "v" {
				t.Errorf("extra specs lost: %v", got.ExtraSpecs)
			}
		})
	}
	if st, err := db.GetShareType(ctx, "t2"); err != nil || st.Name != "two" {
		t.Errorf("t2 = %+v, %v", st, err)
	}
}
