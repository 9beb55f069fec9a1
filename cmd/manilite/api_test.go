package main

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestVersionDiscovery(t *testing.T) {
	ts := startServer(t)

	t.Run("root lists versions with 300 and needs no token", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/", header: map[string]string{"X-OpenStack-Manila-API-Version": "not-a-version"}})
		r.expectStatus(t, http.StatusMultipleChoices)
		if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "" {
			t.Errorf("root echoed a version header %q; Manila ignores versions there", h)
		}
		want := map[string]any{"versions": []any{map[string]any{
			"id": "v2.0", "status": "CURRENT", "version": "2.99", "min_version": "2.0",
			"updated": "2015-08-27T11:33:21Z",
			"links": []any{
				map[string]any{"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"},
				map[string]any{"rel": "self", "href": ts.URL + "/v2/"},
			},
			"media-types": []any{map[string]any{"base": "application/json", "type": "application/vnd.openstack.share+json;version=1"}},
		}}}
		if got := r.json(t); !jsonEqual(got, want) {
			t.Fatalf("got %s\nwant %s", mustJSON(got), mustJSON(want))
		}
	})

	t.Run("v2 shows the same document with 200 and version headers", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/"})
		r.expectStatus(t, http.StatusOK)
		if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "2.0" {
			t.Errorf("version header %q, want 2.0", h)
		}
		versions := r.json(t)["versions"].([]any)
		if len(versions) != 1 || versions[0].(map[string]any)["version"] != "2.99" {
			t.Fatalf("unexpected body %s", r.raw)
		}
	})

	// Manila routes /v2/ and /v2/{project_id}/shares..., but not
	// /v2/{project_id}/ itself.
	t.Run("v2 with a project id and nothing after is 404", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/" + projA + "/", token: tokMember}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})

	t.Run("v2 without slash redirects", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2"})
		r.expectStatus(t, http.StatusFound)
		if loc := r.header.Get("Location"); loc != "/v2/" {
			t.Errorf("Location %q", loc)
		}
	})
}

func TestMicroversionHeaders(t *testing.T) {
	ts := startServer(t)

	t.Run("no header means 2.0, echoed with Vary", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember}).expectStatus(t, 200)
		if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "2.0" {
			t.Errorf("version %q", h)
		}
		if v := r.header.Get("Vary"); v != "X-OpenStack-Manila-API-Version" {
			t.Errorf("Vary %q", v)
		}
		if r.header.Get("X-OpenStack-Manila-API-Experimental") != "" {
			t.Error("experimental header echoed for a non-experimental request")
		}
	})

	t.Run("a valid version is echoed", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember, version: "2.80", experimental: true}).expectStatus(t, 200)
		if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "2.80" {
			t.Errorf("version %q", h)
		}
		if h := r.header.Get("X-OpenStack-Manila-API-Experimental"); h != "True" {
			t.Errorf("experimental %q", h)
		}
	})

	t.Run("the generic OpenStack-API-Version header works too", func(t *testing.T) {
		r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember,
			header: map[string]string{"OpenStack-API-Version": "shared-file-system 2.55"}}).expectStatus(t, 200)
		if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "2.55" {
			t.Errorf("version %q", h)
		}
	})

	for _, bad := range []string{"latest", "2.080", "2", "v2.80", "2.8.1", "02.1", "2.-1"} {
		t.Run("malformed "+bad, func(t *testing.T) {
			r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember, version: bad})
			r.expectFault(t, 400, "badRequest", "API Version String "+bad+" is of invalid format. Must be of format MajorNum.MinorNum.")
			if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != "" {
				t.Errorf("a malformed version must not be echoed, got %q", h)
			}
		})
	}

	for _, out := range []struct{ sent, shown string }{{"2.100", "2.100"}, {"3.0", "3.0"}, {"1.9", "1.9"}} {
		t.Run("out of range "+out.sent, func(t *testing.T) {
			r := ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember, version: out.sent})
			r.expectFault(t, 406, "computeFault", "Version "+out.shown+" is not supported by the API. Minimum is 2.0 and maximum is 2.99.")
			if h := r.header.Get("X-OpenStack-Manila-API-Version"); h != out.shown {
				t.Errorf("406 must echo the version, got %q", h)
			}
		})
	}

	t.Run("below an operation's minimum is 404", func(t *testing.T) {
		id := createShare(t, ts, tokMember, nil)
		ts.do(t, req{method: "GET", path: "/v2/shares/" + id + "/export_locations", token: tokMember, version: "2.8"}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})
}

var requestIDPattern = regexp.MustCompile(`^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func TestRequestIDsAndLogs(t *testing.T) {
	ts := startServer(t)
	for _, r := range []*resp{
		ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember}),
		ts.do(t, req{method: "GET", path: "/v2/shares/nope", token: tokMember}),
		ts.do(t, req{method: "GET", path: "/"}),
		ts.do(t, req{method: "GET", path: "/v2/shares"}),
	} {
		id := r.header.Get("X-Openstack-Request-Id")
		if !requestIDPattern.MatchString(id) {
			t.Fatalf("x-openstack-request-id %q (status %d)", id, r.status)
		}
		if c := r.header.Get("X-Compute-Request-Id"); c != id {
			t.Fatalf("x-compute-request-id %q, want %q", c, id)
		}
		// One structured log line per request, carrying its id.
		var line map[string]any
		for _, l := range strings.Split(ts.logs.String(), "\n") {
			if strings.Contains(l, id) && strings.Contains(l, `"msg":"request"`) {
				if line != nil {
					t.Fatalf("two request lines for %s", id)
				}
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatal(err)
				}
			}
		}
		if line == nil {
			t.Fatalf("no log line for request %s", id)
		}
		for _, k := range []string{"method", "path", "status", "duration_ms", "project"} {
			if _, ok := line[k]; !ok {
				t.Errorf("log line lacks %q: %v", k, line)
			}
		}
		if int(line["status"].(float64)) != r.status {
			t.Errorf("logged status %v, response %d", line["status"], r.status)
		}
	}
}

func TestAuthentication(t *testing.T) {
	ts := startServer(t)
	t.Run("no token is 401", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/shares"}).
			expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
	})
	t.Run("unknown routes also need a token", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/nothing-here"}).
			expectFault(t, 401, "unauthorized", "The request you have made requires authentication.")
	})
	t.Run("a token without a colon is user and project", func(t *testing.T) {
		r := ts.do(t, req{method: "POST", path: "/v2/shares", token: projB, version: "2.16",
			body: map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1}}}).expectStatus(t, 200)
		sh := r.json(t)["share"].(map[string]any)
		if sh["project_id"] != projB || sh["user_id"] != projB {
			t.Fatalf("project %v user %v", sh["project_id"], sh["user_id"])
		}
		// Without a roles part the caller is an admin: host is shown.
		if _, ok := sh["host"]; !ok {
			t.Fatal("a token without roles should be an admin")
		}
	})
	t.Run("roles in the token decide", func(t *testing.T) {
		ts.do(t, req{method: "POST", path: "/v2/types", token: tokMember, version: "2.50",
			body: map[string]any{"share_type": map[string]any{"name": "x", "extra_specs": map[string]any{"driver_handles_share_servers": false}}}}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
		ts.do(t, req{method: "GET", path: "/v2/shares", token: "nobody:" + projA + ":"}).
			expectFault(t, 403, "forbidden", "Access was denied to this resource.")
	})
}

func TestProjectInURL(t *testing.T) {
	ts := startServer(t)
	id := createShare(t, ts, tokMember, nil)

	t.Run("both URL forms reach the same share", func(t *testing.T) {
		a := ts.do(t, req{method: "GET", path: "/v2/shares/" + id, token: tokMember}).expectStatus(t, 200)
		b := ts.do(t, req{method: "GET", path: "/v2/" + projA + "/shares/" + id, token: tokMember}).expectStatus(t, 200)
		la := a.json(t)["share"].(map[string]any)["links"].([]any)
		lb := b.json(t)["share"].(map[string]any)["links"].([]any)
		if got := la[0].(map[string]any)["href"]; got != ts.URL+"/v2/shares/"+id {
			t.Errorf("self link without project: %v", got)
		}
		if got := lb[0].(map[string]any)["href"]; got != ts.URL+"/v2/"+projA+"/shares/"+id {
			t.Errorf("self link with project: %v", got)
		}
		if got := lb[1].(map[string]any)["href"]; got != ts.URL+"/"+projA+"/shares/"+id {
			t.Errorf("bookmark link with project: %v", got)
		}
	})
	t.Run("another project's id in the URL is a malformed URL", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/" + projB + "/shares/" + id, token: tokMember}).
			expectFault(t, 400, "badRequest", "Malformed request url")
		// Admins too.
		ts.do(t, req{method: "GET", path: "/v2/" + projB + "/shares", token: tokAdmin}).
			expectFault(t, 400, "badRequest", "Malformed request url")
	})
	t.Run("a project segment that is not a project id is no route", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/not_a_project/shares", token: tokMember}).
			expectFault(t, 404, "itemNotFound", "The resource could not be found.")
	})
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	ts := startServer(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v2/shares/"},
		{"DELETE", "/v2/shares/"},
		{"PATCH", "/v2/shares/abc"},
		{"GET", "/v2/share-types"},
		{"GET", "/v2/types/detail"},
		{"GET", "/v3/shares"},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			ts.do(t, req{method: c.method, path: c.path, token: tokMember}).
				expectFault(t, 404, "itemNotFound", "The resource could not be found.")
		})
	}
}

func TestRequestValidation(t *testing.T) {
	ts := startServer(t)
	post := func(body any, ct string) *resp {
		return ts.do(t, req{method: "POST", path: "/v2/shares", token: tokMember, version: "2.99", body: body, contentType: ct})
	}
	before := countShares(t, ts)

	t.Run("malformed JSON", func(t *testing.T) {
		post(`{"share": {`, "").expectFault(t, 400, "badRequest", "Malformed request body")
	})
	t.Run("invalid UTF-8 is malformed, not stored with U+FFFD", func(t *testing.T) {
		post([]byte("{\"share\": {\"share_proto\": \"NFS\", \"size\": 1, \"name\": \"caf\xe9\"}}"), "").
			expectFault(t, 400, "badRequest", "Malformed request body")
	})
	t.Run("body without the share key is 422", func(t *testing.T) {
		post(map[string]any{"shares": map[string]any{}}, "").expectFault(t, 422, "computeFault", "Unable to process the contained instructions")
	})
	t.Run("share that is not an object is 422", func(t *testing.T) {
		post(map[string]any{"share": "x"}, "").expectFault(t, 422, "computeFault", "Unable to process the contained instructions")
	})
	t.Run("wrong type for size", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"share_proto": "NFS", "size": "abc"}}, "").
			expectFault(t, 400, "badRequest", "Invalid input received: Share size 'abc' must be an integer and greater than 0.")
	})
	t.Run("size zero", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 0}}, "").
			expectFault(t, 400, "badRequest", "Invalid input received: Share size '0' must be an integer and greater than 0.")
	})
	t.Run("missing required field", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"size": 1}}, "").
			expectFault(t, 400, "badRequest", `Invalid input for field/attribute share. Value: {"size":1}. 'share_proto' is a required property`)
	})
	t.Run("unknown protocol", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"share_proto": "FOO", "size": 1}}, "").
			expectFault(t, 400, "badRequest", "Invalid input received: Invalid share protocol provided: FOO. It is either disabled or unsupported. Available protocols: ['NFS', 'CIFS'].")
	})
	t.Run("bad boolean", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "is_public": "truebar"}}, "").
			expectFault(t, 400, "badRequest", "Unrecognized value 'truebar', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'")
	})
	t.Run("name too long", func(t *testing.T) {
		post(map[string]any{"share": map[string]any{"share_proto": "NFS", "size": 1, "name": strings.Repeat("n", 256)}}, "").
			expectFault(t, 400, "badRequest", "Invalid input received: name can only be 255 characters long.")
	})
	t.Run("not JSON content type", func(t *testing.T) {
		post(`share_proto=NFS`, "application/x-www-form-urlencoded").
			expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
	})
	t.Run("bad limit", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/shares?limit=abc", token: tokMember}).
			expectFault(t, 400, "badRequest", "limit param must be an integer")
		ts.do(t, req{method: "GET", path: "/v2/shares?limit=-1", token: tokMember}).
			expectFault(t, 400, "badRequest", "limit param must be positive")
		ts.do(t, req{method: "GET", path: "/v2/shares?offset=x&limit=1", token: tokMember}).
			expectFault(t, 400, "badRequest", "offset param must be an integer")
	})
	t.Run("a body on GET", func(t *testing.T) {
		ts.do(t, req{method: "GET", path: "/v2/shares", token: tokMember, body: map[string]any{"x": 1}}).
			expectFault(t, 400, "badRequest", "The server could not comply with the request since\r\nit is either malformed or otherwise incorrect.\r\n")
	})
	t.Run("nothing was written", func(t *testing.T) {
		if n := countShares(t, ts); n != before {
			t.Fatalf("%d shares after bad requests, %d before", n, before)
		}
	})
}

func countShares(t *testing.T, ts *testServer) int {
	t.Helper()
	r := ts.do(t, req{method: "GET", path: "/v2/shares?all_tenants=1", token: tokAdmin}).expectStatus(t, 200)
	return len(r.json(t)["shares"].([]any))
}
