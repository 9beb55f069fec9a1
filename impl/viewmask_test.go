package impl

import (
	"reflect"
	"testing"

	"github.com/oapi-codegen/nullable"

	"github.com/manilite/manilite/gen"
)

// The spec's x-manila-below gives the share view's older values: status
// creating_from_snapshot reads creating below 2.54, and share_type is the
// type's name (volume_type) below 2.6; keys outside their range go.
func TestViewMaskOlderValuesAndRanges(t *testing.T) {
	doc, _ := loadSpecInfo(t)
	plan, err := compileMask(reflect.TypeOf(gen.ShareDetail{}), doc.Components.Schemas["ShareDetail"].Value)
	if err != nil {
		t.Fatal(err)
	}
	view := func(version string) gen.ShareDetail {
		d := gen.ShareDetail{
			Status:     "creating_from_snapshot",
			ShareType:  nullable.NewNullableWithValue("type-id"),
			VolumeType: nullable.NewNullableWithValue("type-name"),
			Progress:   nullable.NewNullableWithValue("0%"),
			Host:       nullable.NewNullableWithValue("h"),
		}
		v := reflect.ValueOf(&d).Elem()
		admin := func(string) (bool, error) { return false, nil }
		if err := plan.apply(v, admin, MustParseAPIVersion(version)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		version, status, shareType string
		progress, host             bool
	}{
		{"2.5", "creating", "type-name", false, false},
		{"2.6", "creating", "type-id", false, false},
		{"2.53", "creating", "type-id", false, false},
		{"2.54", "creating_from_snapshot", "type-id", true, false},
	} {
		d := view(tc.version)
		if d.Status != tc.status || d.ShareType.MustGet() != tc.shareType || d.Progress.IsSpecified() != tc.progress || d.Host.IsSpecified() != tc.host {
			t.Errorf("%s: status %q share_type %q progress shown %v host shown %v; want %q %q %v %v", tc.version,
				d.Status, d.ShareType.MustGet(), d.Progress.IsSpecified(), d.Host.IsSpecified(), tc.status, tc.shareType, tc.progress, tc.host)
		}
	}
}
