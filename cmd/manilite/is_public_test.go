package main

import (
	"fmt"
	"testing"
)

// is_public may be a string (the OSC sends --public as one) or 0/1, read
// with oslo's bool_from_string(strict=True) as Manila's
// validate_public_share_policy reads it; anything else, null included, is
// Manila's "Unrecognized value" 400 and nothing is stored.
func TestIsPublicTakesOsloBooleans(t *testing.T) {
	ts := startServer(t)
	const refused = "Unrecognized value '%s', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
	for _, tc := range []struct {
		value any
		want  bool
	}{{"true", true}, {"False", false}, {" YES ", true}, {"0", false}, {1, true}, {0, false}, {true, true}, {false, false}} {
		t.Run(fmt.Sprint(tc.value), func(t *testing.T) {
			id := createShare(t, ts, tokAdmin, map[string]any{"is_public": tc.value})
			if got := getShare(t, ts, tokAdmin, "2.99", id)["is_public"]; got != tc.want {
				t.Errorf("is_public %v, want %v", got, tc.want)
			}
			up := ts.do(t, req{method: "PUT", path: "/v2/shares/" + id, token: tokAdmin, version: "2.99",
				body: map[string]any{"share": map[string]any{"is_public": tc.value}}}).expectStatus(t, 200).json(t)["share"].(map[string]any)
			if up["is_public"] != tc.want {
				t.Errorf("updated is_public %v, want %v", up["is_public"], tc.want)
			}
		})
	}
	before := len(ts.do(t, req{method: "GET", path: "/v2/shares?all_tenants=1", token: tokAdmin}).expectStatus(t, 200).json(t)["shares"].([]any))
	for value, shown := range map[any]string{"maybe": "maybe", nil: "None", 2: "2", "": ""} {
		ts.do(t, req{method: "POST", path: "/v2/shares", token: tokAdmin, version: "2.99",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "is_public": value}}}).
			expectFault(t, 400, "badRequest", fmt.Sprintf(refused, shown))
	}
	after := len(ts.do(t, req{method: "GET", path: "/v2/shares?all_tenants=1", token: tokAdmin}).expectStatus(t, 200).json(t)["shares"].([]any))
	if after != before {
		t.Errorf("refused creates stored shares: %d, then %d", before, after)
	}
	// A member may not make a share public, in any spelling.
	ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99",
		body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "is_public": "true"}}}).
		expectFault(t, 403, "forbidden", "User is not authorized to set 'is_public' to True in the request.")
}
