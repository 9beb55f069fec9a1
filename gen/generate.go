// Package gen holds what oapi-codegen generates from openapi/manila.yaml:
// the models, the Echo strict-server interface and the embedded document.
// Never edit manila.gen.go; run `make generate`.
package gen

//go:generate go tool oapi-codegen -config cfg.yaml ../openapi/manila.yaml
