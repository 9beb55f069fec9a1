package impl

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/storage"
)

const extUserMessages = "x-manila-user-messages"

// userMessages are the spec's texts of Manila's message action and detail
// ids (components.x-manila-user-messages).
type userMessages struct {
	actions, details map[string]string
	unknownAction    string
	unknownDetail    string
}

func readUserMessages(doc *openapi3.T) (userMessages, error) {
	var um userMessages
	raw, ok := doc.Components.Extensions[extUserMessages]
	if !ok {
		// A document without messages (the tests' small ones) serves none.
		return um, nil
	}
	m, _ := toMap(raw)
	um.unknownAction, _ = toString(m["unknown_action"])
	um.unknownDetail, _ = toString(m["unknown_detail"])
	strs := func(key string) map[string]string {
		out := map[string]string{}
		entries, _ := toMap(m[key])
		for id, v := range entries {
			out[id], _ = toString(v)
		}
		return out
	}
	um.actions, um.details = strs("actions"), strs("details")
	if um.unknownAction == "" || um.details[um.unknownDetail] == "" {
		return um, fmt.Errorf("spec: components.%s needs unknown_action and unknown_detail (a detail id)", extUserMessages)
	}
	return um, nil
}

// text is Manila's user_message: "<action>: <detail>", translate_action
// and translate_detail with their fallbacks.
func (um userMessages) text(action, detail string) string {
	a, ok := um.actions[action]
	if !ok {
		a = um.unknownAction
	}
	d, ok := um.details[detail]
	if !ok {
		d = um.details[um.unknownDetail]
	}
	return a + ": " + d
}

func (s *Server) messageView(ri *requestInfo, m storage.Message) gen.Message {
	return gen.Message{Id: m.ID, ProjectId: m.ProjectID, ActionId: m.ActionID, DetailId: m.DetailID,
		MessageLevel: gen.MessageMessageLevel(m.Level), CreatedAt: storage.FormatTime(m.CreatedAt),
		ExpiresAt: storage.FormatTime(m.ExpiresAt), RequestId: m.RequestID, Links: ri.links("messages", m.ID),
		ResourceType: m.ResourceType, ResourceId: m.ResourceID, UserMessage: s.spec.userMessages.text(m.ActionID, m.DetailID)}
}

// visibleMessage is Manila's project_only message_get.
func (s *Server) visibleMessage(ctx context.Context, id string) (storage.Message, error) {
	return projectScoped(ctx, id, s.db.GetMessage, func(m storage.Message) string { return m.ProjectID },
		notFound("Message %s could not be found.", id))
}

// ShowMessage is GET /v2/messages/{id} (2.37+).
func (s *Server) ShowMessage(ctx context.Context, req gen.ShowMessageRequestObject) (gen.ShowMessageResponseObject, error) {
	m, err := s.visibleMessage(ctx, req.MessageId)
	if err != nil {
		return nil, err
	}
	return gen.ShowMessage200JSONResponse{Message: s.messageView(reqInfo(ctx), m)}, nil
}

// DeleteMessage is DELETE /v2/messages/{id}: 204.
func (s *Server) DeleteMessage(ctx context.Context, req gen.DeleteMessageRequestObject) (gen.DeleteMessageResponseObject, error) {
	m, err := s.visibleMessage(ctx, req.MessageId)
	if err != nil {
		return nil, err
	}
	err = s.db.DeleteMessage(ctx, m.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound("Message %s could not be found.", req.MessageId)
	}
	if err != nil {
		return nil, internalError(err)
	}
	return gen.DeleteMessage204Response{}, nil
}

// ListMessages is GET /v2/messages: the caller's project's (every
// project's for an admin), newest first; created_since and created_before
// from 2.52 (the pipeline drops them below).
func (s *Server) ListMessages(ctx context.Context, req gen.ListMessagesRequestObject) (gen.ListMessagesResponseObject, error) {
	ri := reqInfo(ctx)
	p := req.Params
	f := storage.MessageFilter{ActionID: p.ActionId, DetailID: p.DetailId, Level: p.MessageLevel, RequestID: p.RequestId,
		ResourceID: p.ResourceId, ResourceType: p.ResourceType, Limit: p.Limit, Ascending: p.SortDir != nil && *p.SortDir != "desc"}
	if !ri.Caller.IsAdmin() {
		f.ProjectID = ri.Caller.ProjectID
	}
	if p.Offset != nil {
		f.Offset = *p.Offset
	}
	for _, t := range []struct {
		key string
		raw *string
		dst **time.Time
	}{{"created_since", p.CreatedSince, &f.CreatedSince}, {"created_before", p.CreatedBefore, &f.CreatedBefore}} {
		if t.raw == nil {
			continue
		}
		parsed, ok := parseISOTime(*t.raw)
		if !ok {
			return nil, badRequest("Invalid value specified for the query key: %s", t.key)
		}
		*t.dst = &parsed
	}
	msgs, err := s.db.ListMessages(ctx, f)
	if err != nil {
		return nil, internalError(err)
	}
	out := gen.ListMessages200JSONResponse{Messages: make([]gen.Message, len(msgs))}
	for i, m := range msgs {
		out.Messages[i] = s.messageView(ri, m)
	}
	var last string
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].ID
	}
	out.MessagesLinks = ri.pageLinks("messages", p.Limit, len(msgs), last)
	return out, nil
}

// parseISOTime is oslo's timeutils.parse_isotime: ISO 8601 with or
// without a zone (none is UTC) and fractional seconds.
func parseISOTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05Z0700",
		"2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
