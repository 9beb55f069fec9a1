package impl

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// A panic in a handler becomes a logged 500 fault, never a dropped
// connection.
func TestPanicBecomesFault(t *testing.T) {
	var logs bytes.Buffer
	_, info := loadSpecInfo(t)
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil)), spec: info}
	e := echo.New()
	e.Pre(s.stripProjectSegment)
	e.Use(s.lifecycle)
	e.GET("/boom", func(echo.Context) error { panic("kaboom") })
	srv := httptest.NewServer(e)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatalf("connection dropped: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 500 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var body map[string]map[string]any
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := defaultServerError
	if got := body["computeFault"]["message"]; got != want || body["computeFault"]["code"] != float64(500) {
		t.Fatalf("body %v", body)
	}
	if res.Header.Get("Content-Type") != "application/json" || !strings.HasPrefix(res.Header.Get("X-Openstack-Request-Id"), "req-") {
		t.Fatalf("headers %v", res.Header)
	}
	if !strings.Contains(logs.String(), "kaboom") || !strings.Contains(logs.String(), `"status":500`) {
		t.Fatalf("panic not logged:\n%s", logs.String())
	}
}

func TestParseAPIVersion(t *testing.T) {
	for in, ok := range map[string]bool{
		"2.0": true, "2.80": true, "2.99": true, "10.1": true, "2.100": true,
		"2.080": false, "2": false, "v2.80": false, "latest": false, "": false, "0.1": false, "2.": false, ".1": false, " 2.1": false,
	} {
		v, got := ParseAPIVersion(in)
		if got != ok {
			t.Errorf("ParseAPIVersion(%q) ok=%v, want %v", in, got, ok)
		}
		if ok && v.String() != in {
			t.Errorf("ParseAPIVersion(%q) renders as %q", in, v)
		}
	}
	if !MustParseAPIVersion("2.10").After("2.9") || MustParseAPIVersion("2.9").AtLeast("2.10") || !MustParseAPIVersion("3.0").After("2.99") {
		t.Error("versions must compare numerically")
	}
}

func TestVersionGate(t *testing.T) {
	max := MustParseAPIVersion("2.6")
	gates := map[string]versionGate{
		"plain":        {Min: MustParseAPIVersion("2.0")},
		"ranged":       {Min: MustParseAPIVersion("2.4"), Max: &max},
		"experimental": {Min: MustParseAPIVersion("2.80"), Experimental: true},
	}
	cases := []struct {
		gate, version string
		experimental  bool
		want          bool
	}{
		{"plain", "2.0", false, true},
		{"plain", "2.99", true, true},
		{"ranged", "2.3", false, false},
		{"ranged", "2.4", false, true},
		{"ranged", "2.6", false, true},
		{"ranged", "2.7", false, false},
		{"experimental", "2.80", false, false},
		{"experimental", "2.79", true, false},
		{"experimental", "2.80", true, true},
	}
	for _, c := range cases {
		if got := gates[c.gate].allows(MustParseAPIVersion(c.version), c.experimental); got != c.want {
			t.Errorf("%s at %s (experimental %v): %v, want %v", c.gate, c.version, c.experimental, got, c.want)
		}
	}
}

func TestParseBoolLikeOslo(t *testing.T) {
	for _, v := range []string{"1", "t", "True", "TRUE", "on", "y", "yes", " true "} {
		if !parseBool(v) {
			t.Errorf("%q should be true", v)
		}
	}
	for _, v := range []string{"0", "false", "", "2", "truthy", "no"} {
		if parseBool(v) {
			t.Errorf("%q should be false", v)
		}
	}
	if _, ok := parseStrictBool("maybe"); ok {
		t.Error("strict parse accepted maybe")
	}
}

func TestParseDictLiteral(t *testing.T) {
	good := map[string]map[string]string{
		`{}`:                            {},
		`{'k': 'v'}`:                    {"k": "v"},
		`{"a":"b", 'c' : 'd',}`:         {"a": "b", "c": "d"},
		`{'n': 1, 'b': True}`:           {"n": "1", "b": "True"},
		`{'q': 'it\'s', 'u': 'ಠ_ಠ'}`:    {"q": "it's", "u": "ಠ_ಠ"},
		` { 'spaced' : 'out' } `:        {"spaced": "out"},
		`{'availability_zones': 'a,b'}`: {"availability_zones": "a,b"},
	}
	for in, want := range good {
		got, err := parseDictLiteral(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if !equalMaps(got, want) {
			t.Errorf("%s: got %v want %v", in, got, want)
		}
	}
	for _, bad := range []string{"", "x", "{", "{'a'}", "{'a': }", "{'a': 'b'} extra", "['a']", "{'a': 'b'"} {
		if _, err := parseDictLiteral(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFaultNames(t *testing.T) {
	_, info := loadSpecInfo(t)
	faultName, faultBody := info.faults.of, info.faults.faultBody
	for status, name := range map[int]string{400: "badRequest", 401: "unauthorized", 403: "forbidden", 404: "itemNotFound",
		405: "badMethod", 409: "conflictingRequest", 413: "overLimit", 415: "badMediaType", 501: "notImplemented",
		503: "serviceUnavailable", 406: "computeFault", 422: "computeFault", 500: "computeFault"} {
		if got := faultName(status); got != name {
			t.Errorf("%d: %s, want %s", status, got, name)
		}
	}
	b := faultBody(&Fault{Status: 413, Message: "m"})
	if string(b) != `{"overLimit":{"code":413,"message":"m","retryAfter":"0"}}` {
		t.Errorf("413 body %s", b)
	}
}

func TestNoAuthTokens(t *testing.T) {
	cases := []struct {
		token, user, project string
		roles                []string
		err                  bool
	}{
		{"alice:p1", "alice", "p1", []string{"admin", "member", "reader"}, false},
		{"alice", "alice", "alice", []string{"admin", "member", "reader"}, false},
		{"alice:p1:member,reader", "alice", "p1", []string{"member", "reader"}, false},
		{"alice:p1: Member , ", "alice", "p1", []string{"Member"}, false},
		{"alice:p1:", "alice", "p1", nil, false},
		{"", "", "", nil, true},
		{":p1", "", "", nil, true},
	}
	for _, c := range cases {
		got, err := NoAuth{}.Authenticate(t.Context(), c.token)
		if (err != nil) != c.err {
			t.Errorf("%q: err %v", c.token, err)
			continue
		}
		if c.err {
			continue
		}
		if got.UserID != c.user || got.ProjectID != c.project || strings.Join(got.Roles, ",") != strings.Join(c.roles, ",") {
			t.Errorf("%q: %+v", c.token, got)
		}
	}
}
