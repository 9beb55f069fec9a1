package storage

import (
	"encoding/json"
	"reflect"
	"testing"
)

// locationSamples are SQLite's own shapes and the near misses the fast
// path must hand to encoding/json.
var locationSamples = []string{
	`[]`,
	`[{"i":"a","p":"/srv/a","a":0,"f":1,"c":"2026-01-01T00:00:00.000000","u":null,"m":{}}]`,
	`[{"i":"a","p":"/srv/a","a":1,"f":0,"c":"2026-01-01T00:00:00.000000","u":"2026-01-02T00:00:00.000000","m":{"preferred":"True","k":"}"}},` +
		`{"i":"b","p":"host:/x","a":0,"f":0,"c":"c","u":null,"m":null}]`,
	`[{"i":"a\"b","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{}}]`,
	`[{"i":"a","p":"/srv/\u00e9","a":0,"f":0,"c":"c","u":null,"m":{"k":"v\\"}}]`,
	`[{"i":"a","p":"/srv/a","a":2,"f":0,"c":"c","u":null,"m":{}}]`,
	`[{"i":"a","p":"/srv/a","a":true,"f":0,"c":"c","u":null,"m":{}}]`,
	`[{"p":"/srv/a","i":"a","a":0,"f":0,"c":"c","u":null,"m":{}}]`,
	`[{"i":"a","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{}}`,
	`[{"i":"a","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{}}]x`,
	`[{"i":"a","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{"k":1}}]`,
	`[{"i":"a","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{"k":"v"}},]`,
	`[ {"i":"a","p":"/srv/a","a":0,"f":0,"c":"c","u":null,"m":{}} ]`,
	"[{\"i\":\"\xb0\",\"p\":\"/srv/a\",\"a\":0,\"f\":0,\"c\":\"c\",\"u\":null,\"m\":{}}]",
	`null`, `{}`, ``,
}

func checkLocationRows(t *testing.T, raw string) {
	t.Helper()
	got, gotErr := decodeLocationRows(raw)
	var want []locationRow
	wantErr := json.Unmarshal([]byte(raw), &want)
	if (gotErr == nil) != (wantErr == nil) || (gotErr == nil && !reflect.DeepEqual(got, want)) {
		t.Errorf("%q: got %+v %v, encoding/json %+v %v", raw, got, gotErr, want, wantErr)
	}
}

// The fast path and encoding/json agree on every input, the fast path's
// own and those it hands over.
func TestDecodeLocationRows(t *testing.T) {
	for _, raw := range locationSamples {
		checkLocationRows(t, raw)
	}
	// The fast path does take SQLite's shapes (else the test above would
	// pass with encoding/json alone).
	for _, raw := range locationSamples[:3] {
		if _, ok := scanLocationRows(raw); !ok {
			t.Errorf("%s: not read by the fast path", raw)
		}
	}
}

func FuzzDecodeLocationRows(f *testing.F) {
	for _, raw := range locationSamples {
		f.Add(raw)
	}
	f.Fuzz(checkLocationRows)
}
