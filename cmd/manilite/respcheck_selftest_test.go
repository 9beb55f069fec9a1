package main

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/policy"
)

// The response checker is what proves every answer of the suite right, so
// it must be seen to fail: each wrong answer below is hand-made and must be
// reported exactly, and the right ones beside them must pass.
func TestResponseCheckerReportsWrongAnswers(t *testing.T) {
	c, err := sharedResponseChecker()
	if err != nil {
		t.Fatal(err)
	}
	engine, err := defaultPolicyEngine()
	if err != nil {
		t.Fatal(err)
	}
	env := checkEnv{
		projectPattern: regexp.MustCompile(`^(?:[0-9a-f\-]+)$`),
		engine:         engine,
		identify: func(token string) (policy.Caller, error) {
			return impl.NoAuth{}.Authenticate(context.Background(), token)
		},
	}
	links := `[{"rel": "self", "href": "http://x/v2/snapshots/s1"}, {"rel": "bookmark", "href": "http://x/snapshots/s1"}]`
	snapshot := func(extra string) string {
		return `{"snapshot": {"id": "s1", "share_id": "sh1", "share_size": 1, "created_at": "2025-01-01T00:00:00.000000",
			"status": "available", "name": null, "description": null, "size": 1, "share_proto": "NFS", "links": ` + links + extra + `}}`
	}
	backup := func(extra string) string {
		return `{"share_backup": {"id": "b1", "name": null, "share_id": "sh1", "status": "available", "description": null,
			"size": 1, "created_at": "2025-01-01T00:00:00.000000", "updated_at": null, "availability_zone": null,
			"progress": "100", "restore_progress": "0", "backup_type": null` + extra + `}}`
	}
	answer := func(method, target, token, version string, status int, body string) exchange {
		h := http.Header{"Content-Type": {"application/json"}}
		if version != "" {
			h.Set("X-OpenStack-Manila-API-Version", version)
		}
		if body == "" {
			h.Del("Content-Type")
		}
		return exchange{method: method, target: target, token: token, status: status, header: h, body: []byte(body)}
	}
	for _, tc := range []struct {
		name string
		ex   exchange
		want []string
	}{
		{"a right snapshot", answer("GET", "/v2/snapshots/s1", tokMember, "2.11", 200, snapshot("")), nil},
		{"a property below its range", answer("GET", "/v2/snapshots/s1", tokAdmin, "2.11", 200, snapshot(`, "provider_location": "p"`)),
			[]string{"snapshot.provider_location: present at version 2.11, outside its range [2.12, ]"}},
		{"a property above its range", answer("GET", "/v2/types", tokMember, "2.7", 200,
			`{"volume_types": [], "share_types": [{"id": "t1", "name": "default", "extra_specs": {}, "required_extra_specs": {},
			"os-share-type-access:is_public": true, "share_type_access:is_public": true}]}`),
			[]string{"share_types[0].os-share-type-access:is_public: present at version 2.7, outside its range [, 2.6]"}},
		{"a property missing within its range", answer("GET", "/v2/"+projA+"/snapshots/s1", tokMember, "2.17", 200, snapshot(`, "project_id": "p"`)),
			[]string{"snapshot.user_id: missing at version 2.17, in its range [2.17, ]"}},
		{"an admin-only property shown to a member", answer("GET", "/v2/share-backups/b1", tokMember, "2.85", 200, backup(`, "host": "h", "topic": null`)),
			[]string{
				"share_backup.host: present, but x-manila-policy context_is_admin refuses the caller",
				"share_backup.topic: present, but x-manila-policy context_is_admin refuses the caller",
			}},
		{"admin-only properties shown to an admin", answer("GET", "/v2/share-backups/b1", tokAdmin, "2.85", 200, backup(`, "host": "h", "topic": null`)), nil},
		{"an admin-only property missing for an admin", answer("GET", "/v2/share-backups/b1", tokAdmin, "2.85", 200, backup(`, "host": "h"`)),
			[]string{"share_backup.topic: missing at version 2.85, in its range [, ] and allowed by context_is_admin"}},
		{"a missing required property", answer("GET", "/v2/share-backups/b1", tokMember, "2.85", 200, strings.Replace(backup(""), `"size": 1,`, "", 1)),
			[]string{`response body doesn't match schema #/components/schemas/ShareBackupResponse: at /share_backup/size: property "size" is missing`}},
		{"an extra property of a closed schema", answer("GET", "/v2/share-backups/b1", tokMember, "2.85", 200, backup(`, "bogus": 1`)),
			[]string{`response body doesn't match schema #/components/schemas/ShareBackupResponse: at /share_backup: property "bogus" is unsupported`}},
		{"an optional property outside its range", answer("GET", "/v2/shares?with_count=true", tokMember, "2.41", 200, `{"shares": [], "count": 0}`),
			[]string{"count: present at version 2.41, outside its range [2.42, ]"}},
		{"an optional property absent within its range", answer("GET", "/v2/shares", tokMember, "2.42", 200, `{"shares": []}`), nil},
		{"a body where the status declares none", answer("DELETE", "/v2/snapshots/s1", tokMember, "2.11", 202, `{"x": 1}`),
			[]string{`status 202 declares no body, got {"x": 1}`}},
		{"an undeclared status falls to the fault", answer("GET", "/v2/snapshots/s1", tokMember, "2.11", 404, `{"itemNotFound": {"code": 404}}`),
			[]string{`response body doesn't match schema #/components/schemas/Fault: at /itemNotFound/message: property "message" is missing`}},
		{"not an operation of the spec", answer("GET", "/healthz", "", "", 200, `{"status": "ok"}`), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.check(context.Background(), env, tc.ex)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("problems\n got: %q\nwant: %q", got, tc.want)
			}
		})
	}

	t.Run("an action answers what its entry declares", func(t *testing.T) {
		ex := answer("POST", "/v2/snapshots/s1/action", tokAdmin, "2.7", 202, `{"x": 1}`)
		ex.reqBody = []byte(`{"reset_status": {"status": "error"}}`)
		want := `status 202 declares no body, got {"x": 1}`
		if got := c.check(context.Background(), env, ex); strings.Join(got, "\n") != want {
			t.Errorf("problems %q, want %q", got, want)
		}
		ex.body = nil
		if got := c.check(context.Background(), env, ex); got != nil {
			t.Errorf("empty 202: problems %q", got)
		}
	})
}

// The annotations themselves are checked: malformed ones, and an
// annotated property that is also required, make the checker refuse the
// document.
func TestResponseAnnotationsLint(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    View:
      type: object
      required: [a]
      properties:
        a: {type: string, x-manila-min-version: "2.5"}
        b: {type: string, x-manila-max-version: "two"}
        c: {type: string, x-manila-optional: true}
        d: {type: string, x-manila-min-version: "2.9", x-manila-max-version: "2.3"}
        e: {type: string, x-manila-policy: ""}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"View.a: annotated, so it must not be required",
		`View.b: x-manila-max-version "two" is not a version`,
		"View.c: x-manila-optional without a version range or rule says nothing",
		"View.d: empty range [2.9, 2.3]",
		"View.e: x-manila-policy must name a rule",
	}
	if got := lintAnnotations(doc); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lint\n got: %q\nwant: %q", got, want)
	}
	real, err := impl.LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	if got := lintAnnotations(real); len(got) > 0 {
		t.Errorf("the spec's annotations: %q", got)
	}
}
