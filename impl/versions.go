package impl

import (
	"context"
	"regexp"
	"strings"

	"github.com/manilite/manilite/gen"
)

// Manila's versions document: one v2.0 entry, CURRENT, from min_version to
// the API's maximum (manila/api/views/versions.py).
func (s *Server) versionsDocument(ctx context.Context) gen.VersionsResponse {
	ri := reqInfo(ctx)
	type link = struct {
		Href string  `json:"href"`
		Rel  string  `json:"rel"`
		Type *string `json:"type,omitempty"`
	}
	html := "text/html"
	return gen.VersionsResponse{Versions: []gen.Version{{
		Id:         "v2.0",
		Status:     "CURRENT",
		Version:    s.spec.MaxVersion.String(),
		MinVersion: s.spec.MinVersion.String(),
		Updated:    "2015-08-27T11:33:21Z",
		Links: []link{
			{Rel: "describedby", Type: &html, Href: "http://docs.openstack.org/"},
			{Rel: "self", Href: versionSelfLink(ri.BaseURL + ri.OrigPath)},
		},
		MediaTypes: []struct {
			Base string `json:"base"`
			Type string `json:"type"`
		}{{Base: "application/json", Type: "application/vnd.openstack.share+json;version=1"}},
	}}}
}

var trailingVersion = regexp.MustCompile(`v\d+/?$`)

// versionSelfLink strips a trailing "vN/" from the request URL and joins
// "v2/" on, as Manila's versions view does.
func versionSelfLink(url string) string {
	url = trailingVersion.ReplaceAllString(url, "")
	if !strings.HasSuffix(url, "/") {
		url += "/"
	}
	return url + "v2/"
}

// ListVersions is GET /: 300 Multiple Choices.
func (s *Server) ListVersions(ctx context.Context, _ gen.ListVersionsRequestObject) (gen.ListVersionsResponseObject, error) {
	return gen.ListVersions300JSONResponse(s.versionsDocument(ctx)), nil
}

// ShowVersionV2 is GET /v2/: 200.
func (s *Server) ShowVersionV2(ctx context.Context, _ gen.ShowVersionV2RequestObject) (gen.ShowVersionV2ResponseObject, error) {
	return gen.ShowVersionV2200JSONResponse(s.versionsDocument(ctx)), nil
}
