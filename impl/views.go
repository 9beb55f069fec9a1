package impl

import (
	"strings"

	"github.com/oapi-codegen/nullable"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

// ns is a nullable string: null for nil.
func ns(s *string) nullable.Nullable[string] {
	if s == nil {
		return nullable.NewNullNullable[string]()
	}
	return nullable.NewNullableWithValue(*s)
}

func nsv(s string) nullable.Nullable[string] { return nullable.NewNullableWithValue(s) }

func nullStr() nullable.Nullable[string] { return nullable.NewNullNullable[string]() }

func ptr[T any](v T) *T { return &v }

// links builds Manila's self and bookmark links for a resource:
// <base>/v2[/<project>]/<collection>/<id> and <base>[/<project>]/<collection>/<id>;
// the project is there only when the request URL carried it.
func (ri *requestInfo) links(collection, id string) []gen.Link {
	project := ""
	if ri.URLProject != "" {
		project = "/" + ri.URLProject
	}
	return []gen.Link{
		{Rel: "self", Href: ri.BaseURL + "/v2" + project + "/" + collection + "/" + id},
		{Rel: "bookmark", Href: ri.BaseURL + project + "/" + collection + "/" + id},
	}
}

// specTrue reads a boolean capability from extra specs the way Manila's
// share_types.parse_boolean_extra_spec does ("True", "<is> True", "1", ...);
// a missing spec is false.
func specTrue(specs map[string]string, key string) bool {
	v, ok := specs[key]
	if !ok {
		return false
	}
	b, ok := parseExtraSpecBool(v)
	return ok && b
}

// parseExtraSpecBool accepts "<is> True" and oslo's strict booleans.
func parseExtraSpecBool(v string) (bool, bool) {
	v = strings.TrimSpace(v)
	if rest, ok := strings.CutPrefix(v, "<is>"); ok {
		v = strings.TrimSpace(rest)
	}
	return parseStrictBool(v)
}

// parseStrictBool is oslo_utils.strutils.bool_from_string(strict=True).
func parseStrictBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "t", "true", "on", "y", "yes":
		return true, true
	case "0", "f", "false", "off", "n", "no":
		return false, true
	}
	return false, false
}

// strictBoolMessage is oslo's error for a value parseStrictBool refuses.
func strictBoolMessage(v string) string {
	return "Unrecognized value '" + v + "', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"
}

// shareView is Manila's share detail view at the request's microversion.
// shareSize is the view's size: null while a managed share is measured
// (its size is 0 until then, and again when its manage fails).
func shareSize(sh storage.Share) nullable.Nullable[int] {
	if sh.Size == 0 {
		return nullable.NewNullNullable[int]()
	}
	return nullable.NewNullableWithValue(sh.Size)
}

func (s *Server) shareView(ri *requestInfo, sh storage.Share) gen.ShareDetail {
	md := sh.Metadata
	if md == nil {
		md = map[string]string{}
	}
	d := gen.ShareDetail{
		Id:               sh.ID,
		Size:             shareSize(sh),
		AvailabilityZone: ns(sh.AvailabilityZone),
		CreatedAt:        storage.FormatTime(sh.CreatedAt),
		Status:           string(sh.Status),
		Name:             ns(sh.Name),
		Description:      ns(sh.Description),
		ProjectId:        sh.ProjectID,
		SnapshotId:       ns(sh.SnapshotID),
		ShareNetworkId:   ns(sh.ShareNetworkID),
		ShareProto:       sh.Proto,
		Metadata:         md,
		Links:            ri.links("shares", sh.ID),
		IsPublic:         sh.IsPublic,
	}
	// The view sets every key; the spec's annotations (impl/viewmask.go)
	// decide which a request sees, and the older values (share_type is
	// volume_type, the type's name, below 2.6).
	typeName := sh.ShareTypeName
	if typeName == nil {
		typeName = sh.ShareTypeID
	}
	d.VolumeType = ns(typeName)
	d.ShareType = ns(sh.ShareTypeID)
	d.ShareTypeName = ns(sh.ShareTypeName)
	paths := []string{}
	for _, el := range sh.ExportLocations {
		paths = append(paths, el.Path)
	}
	d.ExportLocations = &paths
	d.ExportLocation = nullStr()
	if len(paths) > 0 {
		d.ExportLocation = nsv(paths[0])
	}
	specs := sh.TypeExtraSpecs
	d.SnapshotSupport = ptr(specTrue(specs, "snapshot_support"))
	d.ConsistencyGroupId = ns(sh.ShareGroupID)
	d.SourceCgsnapshotMemberId = ns(sh.SourceShareGroupSnapshotMemberID)
	d.TaskState = ns(sh.TaskState)
	d.AccessRulesStatus = ptr(string(sh.AccessRulesStatus))
	d.ReplicationType = nullStr()
	if rt, ok := specs["replication_type"]; ok {
		d.ReplicationType = nsv(rt)
	}
	d.HasReplicas = ptr(false)
	d.UserId = ptr(sh.UserID)
	d.CreateShareFromSnapshotSupport = ptr(specTrue(specs, "create_share_from_snapshot_support"))
	d.RevertToSnapshotSupport = ptr(specTrue(specs, "revert_to_snapshot_support"))
	d.ShareGroupId = ns(sh.ShareGroupID)
	d.SourceShareGroupSnapshotMemberId = ns(sh.SourceShareGroupSnapshotMemberID)
	d.MountSnapshotSupport = ptr(specTrue(specs, "mount_snapshot_support"))
	d.Progress = ns(sh.Progress)
	d.IsSoftDeleted = ptr(sh.IsSoftDeleted)
	d.ScheduledToBeDeletedAt = nullStr()
	if sh.ScheduledToBeDeletedAt != nil {
		d.ScheduledToBeDeletedAt = nsv(storage.FormatTime(*sh.ScheduledToBeDeletedAt))
	}
	d.SourceBackupId = ns(sh.SourceBackupID)
	d.SnapshotInheritShareAccessSupport = ptr(specTrue(specs, "snapshot_inherit_share_access_support"))
	d.EncryptionKeyRef = nullStr()
	d.ShareServerId = nullStr()
	d.Host = nsv(deref(sh.Host))
	return d
}

func (s *Server) shareSummary(ri *requestInfo, sh storage.Share) gen.ShareSummary {
	return gen.ShareSummary{Id: sh.ID, Name: ns(sh.Name), Links: ri.links("shares", sh.ID)}
}

// optString is the value of a nullable request field, "" when absent or null.
func optString(n interface {
	IsSpecified() bool
	IsNull() bool
	Get() (string, error)
}) string {
	if !n.IsSpecified() || n.IsNull() {
		return ""
	}
	v, _ := n.Get()
	return v
}

// optPtr is a nullable request field as a pointer (nil when absent or null).
func optPtr(n interface {
	IsSpecified() bool
	IsNull() bool
	Get() (string, error)
}) *string {
	if !n.IsSpecified() || n.IsNull() {
		return nil
	}
	v, _ := n.Get()
	return &v
}
