package impl

import (
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/openapi"
)

// The metrics name operations by openapi/manila.yaml's operationIds, not
// by the capitalized ids of the embedded document.
func TestOperationNamesAreTheSpecsOperationIds(t *testing.T) {
	_, info := loadSpecInfo(t)
	names := operationNames(info)
	src, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // method path -> operationId
	for path, item := range src.Paths.Map() {
		for method, op := range item.Operations() {
			want[method+" "+path] = op.OperationID
		}
	}
	if len(want) != len(info.Ops) {
		t.Fatalf("%d operations in the spec, %d embedded", len(want), len(info.Ops))
	}
	for id, op := range info.Ops {
		if got, w := names[id], want[op.Method+" "+op.Path]; got != w {
			t.Errorf("%s %s: named %q, the spec's operationId is %q", op.Method, op.Path, got, w)
		}
	}
}
