package main

import (
	"testing"
)

// Request-body keys outside their version range (the request schema's
// x-manila-min-version) are ignored, as Manila ignores them; in range they
// take effect.
func TestBodyKeysOutsideTheirRangeAreIgnored(t *testing.T) {
	ts := startServer(t)
	create := func(version string, extra map[string]any) *resp {
		body := map[string]any{"share_proto": "NFS", "size": 1}
		for k, v := range extra {
			body[k] = v
		}
		return ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: version, body: map[string]any{"share": body}})
	}
	const group = "9a1b2c3d-0000-4000-8000-000000000001"

	// share_group_id from 2.31: manilite has no share groups.
	create("2.30", map[string]any{"share_group_id": group}).expectStatus(t, 200)
	create("2.31", map[string]any{"share_group_id": group}).
		expectFault(t, 404, "itemNotFound", "Share group "+group+" could not be found.")

	// consistency_group_id from 2.4.
	r := create("2.3", map[string]any{"consistency_group_id": group}).expectStatus(t, 200).json(t)["share"].(map[string]any)
	if _, shown := r["consistency_group_id"]; shown {
		t.Errorf("2.3 view shows consistency_group_id: %v", r)
	}
	create("2.4", map[string]any{"consistency_group_id": group}).
		expectFault(t, 400, "badRequest", "ConsistencyGroup "+group+" could not be found.")

	// Snapshot metadata from 2.73: below, it is neither kept nor checked.
	share := createShare(t, ts, tokMember, nil)
	waitShareStatus(t, ts, share, "available")
	snap := func(version string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/snapshots", token: tokMember, version: version,
			body: map[string]any{"snapshot": map[string]any{"share_id": share, "metadata": map[string]any{"": "blank key"}}}})
	}
	snap("2.72").expectStatus(t, 202)
	snap("2.73").expectFault(t, 400, "badRequest", "Metadata property key is blank.")
}
