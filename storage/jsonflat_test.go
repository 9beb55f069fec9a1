package storage

import (
	"encoding/json"
	"maps"
	"testing"
)

// The fast path and encoding/json agree on every input, the fast path's
// own and those it hands over.
func TestDecodeFlatObject(t *testing.T) {
	for _, raw := range []string{
		`{}`, `{"a":"b"}`, `{"a":"b","c":""}`, `{"":"x"}`, `{"k":"v\"q"}`, `{"k":"\u00e9"}`, `{"k":"é","é":"k"}`,
		`{"a":"b","a":"c"}`, `{ "a" : "b" }`, `{"a":1}`, `{"a":null}`, `{"a":"b",}`, `{"a":"b"`, `{"a"}`, `[]`, `{"a":"b"}x`,
		`{"a":"b\n"}`, "{\"a\":\"b\tc\"}", "{\"\":\"\xb0\"}",
	} {
		got := map[string]string{}
		gotErr := decodeFlatObject(raw, got)
		want := map[string]string{}
		wantErr := json.Unmarshal([]byte(raw), &want)
		if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !maps.Equal(got, want)) {
			t.Errorf("%s: got %v %v, encoding/json %v %v", raw, got, gotErr, want, wantErr)
		}
	}
}

func FuzzDecodeFlatObject(f *testing.F) {
	f.Add(`{"a":"b","c":"d"}`)
	f.Add(`{"k":"v\"q"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		got := map[string]string{}
		gotErr := decodeFlatObject(raw, got)
		want := map[string]string{}
		wantErr := json.Unmarshal([]byte(raw), &want)
		if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !maps.Equal(got, want)) {
			t.Errorf("%q: got %v %v, encoding/json %v %v", raw, got, gotErr, want, wantErr)
		}
	})
}
