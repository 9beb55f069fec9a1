// Package state declares the statuses of manilite's resources and the
// transitions between them, once, for impl, storage and worker to share.
// The values come from the spec's x-manila-states block
// (openapi/manila.yaml), from which state.gen.go is generated: never edit
// that file; run `make generate`. This package imports nothing of the
// project.
package state

//go:generate go run ./internal/stategen -o state.gen.go ../openapi/manila.yaml
