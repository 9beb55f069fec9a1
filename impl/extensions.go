package impl

import (
	"context"

	"github.com/manilite/manilite/gen"
)

// ListExtensions is GET /v2/extensions: Manila's extension manager loads
// manila/api/contrib, which holds no extension, so the list is empty.
func (s *Server) ListExtensions(context.Context, gen.ListExtensionsRequestObject) (gen.ListExtensionsResponseObject, error) {
	return gen.ListExtensions200JSONResponse(gen.ExtensionList{Extensions: []gen.Extension{}}), nil
}

// ShowExtension is GET /v2/extensions/{alias}: with no extensions, webob's
// bare 404.
func (s *Server) ShowExtension(context.Context, gen.ShowExtensionRequestObject) (gen.ShowExtensionResponseObject, error) {
	return nil, notFound(defaultNotFound)
}
