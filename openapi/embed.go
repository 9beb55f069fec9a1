// Package openapi holds manilite's API contract, manila.yaml, from which
// gen/ is generated, and embeds it so the server can serve the document
// byte for byte (GET /openapi.yaml).
package openapi

import _ "embed"

// Spec is openapi/manila.yaml as it is in the repository.
//
//go:embed manila.yaml
var Spec []byte
