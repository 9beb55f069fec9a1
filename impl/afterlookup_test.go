package impl

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// An after-lookup operation whose handler answers without checking its rule
// is a 500, never an unchecked answer; one that checked it passes through.
func TestAfterLookupRuleMustBeChecked(t *testing.T) {
	s := &Server{}
	answer := func(echo.Context, interface{}) (interface{}, error) { return "the snapshot", nil }
	for _, tc := range []struct {
		name                     string
		afterLookup, checked, ok bool
	}{
		{"after lookup, unchecked", true, false, false},
		{"after lookup, checked", true, true, true},
		{"checked by the pipeline", false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ri := &requestInfo{Op: &opMeta{ID: "ShowSnapshot"}, lookupAuthorized: tc.checked}
			ri.gate.AfterLookup, ri.gate.Policy = tc.afterLookup, "share_snapshot:get_snapshot"
			r := httptest.NewRequest(http.MethodGet, "/v2/snapshots/x", nil)
			c := echo.New().NewContext(r.WithContext(withRequestInfo(r.Context(), ri)), httptest.NewRecorder())
			resp, err := s.requireLookupAuthorized(answer, "ShowSnapshot")(c, nil)
			var f *Fault
			if tc.ok && (err != nil || resp != "the snapshot") {
				t.Fatalf("got %v, %v", resp, err)
			}
			if !tc.ok && (!errors.As(err, &f) || f.Status != http.StatusInternalServerError || resp != nil) {
				t.Fatalf("got %v, %v; want a 500", resp, err)
			}
		})
	}
}
