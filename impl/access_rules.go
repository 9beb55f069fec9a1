package impl

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
)

// accessStateNew is what a rule's state reads below 2.28 while its share
// syncs (Manila's STATUS_NEW, translate_transitional_statuses).
const accessStateNew = "new"

// validAccessLevel reports whether level is one of Manila's ACCESS_LEVELS
// (the spec's access_level entry of x-manila-states).
func validAccessLevel(level string) bool {
	return state.AccessLevelStatuses.Contains(state.AccessLevelStatus(level))
}

// accessView is Manila's share access view of r.
func (s *Server) accessView(ctx context.Context, r storage.AccessRule) gen.ShareAccess {
	v := gen.ShareAccess{
		Id: r.ID, ShareId: r.ShareID, AccessLevel: r.AccessLevel, AccessTo: r.AccessTo, AccessType: r.AccessType,
		State: string(r.State), AccessKey: nullStr(), CreatedAt: ptr(storage.FormatTime(r.CreatedAt)), UpdatedAt: nullStr(),
		Metadata: &r.Metadata,
	}
	if r.UpdatedAt != nil {
		v.UpdatedAt.Set(storage.FormatTime(*r.UpdatedAt))
	}
	if r.AccessKey != nil {
		v.AccessKey.Set(*r.AccessKey)
	}
	if !s.behaves(reqInfo(ctx), "access_state_per_rule") {
		if sh, err := s.db.GetShare(ctx, r.ShareID); err == nil {
			v.State = string(sh.AccessRulesStatus)
			if sh.AccessRulesStatus == state.AccessRulesSyncing {
				v.State = accessStateNew
			}
		}
	}
	return v
}

func (s *Server) accessListView(ctx context.Context, rules []storage.AccessRule) gen.ShareAccessList {
	out := gen.ShareAccessList{AccessList: []gen.ShareAccessSummary{}}
	for _, r := range rules {
		v := s.accessView(ctx, r)
		out.AccessList = append(out.AccessList, gen.ShareAccessSummary{
			Id: v.Id, AccessLevel: v.AccessLevel, AccessTo: v.AccessTo, AccessType: v.AccessType, State: v.State,
			AccessKey: v.AccessKey, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt, Metadata: v.Metadata,
		})
	}
	return out
}

// accessResponse is allow_access's 200 with the rule.
type accessResponse gen.ShareAccessResponse

func (r accessResponse) VisitShareActionResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(r)
}

// accessListResponse is access_list's 200.
type accessListResponse gen.ShareAccessList

func (r accessListResponse) VisitShareActionResponse(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(r)
}

// accessRefusingStatuses are the share statuses in which Manila's share API
// refuses rule changes (_any_invalid_share_instance): the transitional
// ones, and error unless the version allows it.
func (s *Server) accessRefusingStatuses(ctx context.Context, allowOnError bool) state.Set[state.ShareStatus] {
	refuse := append(state.Set[state.ShareStatus]{}, state.ShareTransitional...)
	if !allowOnError {
		refuse = append(refuse, state.ShareError)
	}
	return refuse
}

// accessChangeFault words a refused rule change.
func accessChangeFault(err error, shareID, invalid string) error {
	var se *storage.StateError
	switch {
	case errors.As(err, &se):
		return badRequest("%s", invalid)
	case errors.Is(err, storage.ErrNotFound):
		return notFound("Share %s could not be found.", shareID)
	case errors.Is(err, storage.ErrAccessExists):
		return err
	}
	return internalError(err)
}

// accessMetadata is check_metadata_properties on a metadata value; bare
// gives the exceptions' own messages, as the metadata API re-raises them.
func accessMetadata(md map[string]*any, bare bool) (map[string]string, error) {
	out := map[string]string{}
	for k, p := range md {
		var v string
		if p != nil {
			str, ok := (*p).(string)
			if !ok {
				return nil, badRequest("Malformed request body")
			}
			v = str
		}
		msg, size := "", false
		switch {
		case k == "":
			msg = "Metadata property key is blank."
		case len(k) > 255:
			msg, size = "Metadata property key is greater than 255 characters.", true
		case v == "":
			msg = "Metadata property value is blank."
		case len(v) > 1023:
			msg, size = "Metadata property value is greater than 1023 characters.", true
		}
		switch {
		case msg != "" && bare && size:
			return nil, badRequest("Invalid metadata size.")
		case msg != "" && bare:
			return nil, badRequest("Invalid metadata.")
		case msg != "":
			return nil, badRequest("%s", msg)
		}
		out[k] = v
	}
	return out, nil
}
