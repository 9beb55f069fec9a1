// Package impl is manilite's HTTP edge: it implements the strict server
// interface that oapi-codegen generates from openapi/manila.yaml, and runs
// every request through one middleware pipeline driven by the same document
// (authentication, microversions, the experimental flag, policy, request
// validation, Manila's fault bodies, request ids and logs).
//
// Handlers never write SQL: they call storage for data and policy for
// decisions, and enqueue durable jobs for asynchronous work.
package impl

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/manilite/manilite/apidocs"
	"github.com/manilite/manilite/gen"
	"github.com/manilite/manilite/openapi"
	"github.com/manilite/manilite/policy"
	"github.com/manilite/manilite/storage"
)

// JobNotifier is told when a job was enqueued, so an idle worker wakes.
type JobNotifier interface{ Notify() }

// Config is what the server needs.
type Config struct {
	DB     *storage.DB
	Policy *policy.Engine
	Auth   Authenticator
	Logger *slog.Logger
	Jobs   JobNotifier
	// MinTransition is how long a transitional state (creating, deleting)
	// lasts at least, so clients can watch it.
	MinTransition time.Duration
	// ProjectIDPattern is Manila's project_id_regex: what a project id
	// segment in /v2/{project_id}/... may look like.
	ProjectIDPattern string
	// DefaultShareType names the type shares get when none is given.
	DefaultShareType string
	// DefaultShareGroupType names the type share groups get when none is
	// given: GET /share-group-types/default shows it, views mark it
	// is_default (Manila's default_share_group_type).
	DefaultShareGroupType string
	// AvailabilityZone is the zone every share is in.
	AvailabilityZone string
	// Host is the share host shown to admins (host@backend#pool).
	Host string
	// DataDir is where shares' data lives: the pool's capacity is its
	// file system's.
	DataDir string
	// BackupGenericProtocols are the share protocols Manila's generic backup
	// path (empty backup_options) takes; default NFS.
	BackupGenericProtocols []string
	// AdminOnlyMetadata are the share metadata keys only a caller allowed
	// share:update_admin_only_metadata may set or delete (Manila's
	// admin_only_metadata option); nil means Manila's default.
	AdminOnlyMetadata []string
	// AdminOnlyELMetadata are the export location metadata keys only a
	// caller allowed share_export_location:update_admin_only_metadata may
	// set (Manila's admin_only_el_metadata); nil means Manila's default.
	AdminOnlyELMetadata []string
	// Health reports extra fields for GET /healthz.
	Health func() map[string]any
	// Metrics is told about every request and policy decision (nil:
	// nothing is observed).
	Metrics Metrics
	// MetricsHandler, when set, is served at GET /metrics (MetricsPath).
	MetricsHandler http.Handler
}

// Server is the HTTP API.
type Server struct {
	cfg               Config
	db                *storage.DB
	policy            *policy.Engine
	auth              Authenticator
	log               *slog.Logger
	echo              *echo.Echo
	doc               *openapi3.T
	spec              *SpecInfo
	routes            specRoutes
	validationOptions *openapi3filter.Options
	collections       map[string]bool
	projectPattern    *regexp.Regexp
	actions           actionTables
	masks             *viewMasks
	metrics           Metrics
	opNames           map[string]string
}

// actionTables are the handlers of each POST .../action operation.
type actionTables struct {
	share      actionTable[gen.ShareActionResponseObject]
	snapshot   actionTable[gen.SnapshotActionResponseObject]
	backup     actionTable[gen.ShareBackupActionResponseObject]
	cg         actionTable[gen.ConsistencyGroupActionResponseObject]
	cgsnapshot actionTable[gen.CgsnapshotActionResponseObject]
	shareType  actionTable[gen.ShareTypeActionResponseObject]

	shareGroup         actionTable[gen.ShareGroupActionResponseObject]
	shareGroupSnapshot actionTable[gen.ShareGroupSnapshotActionResponseObject]
	shareGroupType     actionTable[gen.ShareGroupTypeActionResponseObject]

	shareInstance    actionTable[gen.ShareInstanceActionResponseObject]
	snapshotInstance actionTable[gen.SnapshotInstanceActionResponseObject]

	shareNetwork actionTable[gen.ShareNetworkActionResponseObject]
	shareServer  actionTable[gen.ShareServerActionResponseObject]
}

// bindActions fills s.actions and checks it against the spec: the
// operation ids are the generated interface's methods.
func (s *Server) bindActions() error {
	s.actions = actionTables{
		share: s.shareActionTable(), snapshot: s.snapshotActionTable(), backup: s.backupActionTable(),
		cg: s.cgActionTable(), cgsnapshot: s.cgsnapshotActionTable(), shareType: s.shareTypeActionTable(),
	}
	s.actions.shareInstance, s.actions.snapshotInstance = s.shareInstanceActionTable(), s.snapshotInstanceActionTable()
	s.actions.shareNetwork, s.actions.shareServer = s.shareNetworkActionTable(), s.shareServerActionTable()
	s.actions.shareGroup, s.actions.shareGroupSnapshot = s.shareGroupActionTable(), s.shareGroupSnapshotActionTable()
	s.actions.shareGroupType = s.shareGroupTypeActionTable()
	return checkActionBindings(s.spec, map[string][]string{
		"ShareNetworkAction": s.actions.shareNetwork.handlers(), "ShareServerAction": s.actions.shareServer.handlers(),
		"ShareAction": s.actions.share.handlers(), "SnapshotAction": s.actions.snapshot.handlers(),
		"ShareBackupAction": s.actions.backup.handlers(), "ConsistencyGroupAction": s.actions.cg.handlers(),
		"CgsnapshotAction": s.actions.cgsnapshot.handlers(), "ShareTypeAction": s.actions.shareType.handlers(),
		"ShareInstanceAction": s.actions.shareInstance.handlers(), "SnapshotInstanceAction": s.actions.snapshotInstance.handlers(),
		"ShareGroupAction": s.actions.shareGroup.handlers(), "ShareGroupSnapshotAction": s.actions.shareGroupSnapshot.handlers(),
		"ShareGroupTypeAction": s.actions.shareGroupType.handlers(),
	})
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New builds the server from the embedded OpenAPI document.
func New(cfg Config) (*Server, error) {
	if cfg.DB == nil || cfg.Policy == nil || cfg.Auth == nil {
		return nil, errors.New("impl: DB, Policy and Auth are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ProjectIDPattern == "" {
		cfg.ProjectIDPattern = `[0-9a-f\-]+`
	}
	if cfg.DefaultShareType == "" {
		cfg.DefaultShareType = "default"
	}
	if cfg.DefaultShareGroupType == "" {
		cfg.DefaultShareGroupType = "default"
	}
	if cfg.AvailabilityZone == "" {
		cfg.AvailabilityZone = "nova"
	}
	if cfg.Host == "" {
		cfg.Host = "manilite@local#pool"
	}
	if cfg.AdminOnlyMetadata == nil {
		cfg.AdminOnlyMetadata = DefaultAdminOnlyMetadata
	}
	if cfg.AdminOnlyELMetadata == nil {
		cfg.AdminOnlyELMetadata = DefaultAdminOnlyELMetadata
	}
	if cfg.BackupGenericProtocols == nil {
		cfg.BackupGenericProtocols = []string{"NFS"}
	}
	if cfg.Jobs == nil {
		cfg.Jobs = noNotifier{}
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	pattern, err := regexp.Compile(`^(?:` + cfg.ProjectIDPattern + `)$`)
	if err != nil {
		return nil, fmt.Errorf("impl: project id pattern: %w", err)
	}
	doc, err := LoadSpec()
	if err != nil {
		return nil, err
	}
	info, err := ReadSpecInfo(doc)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:            cfg,
		db:             cfg.DB,
		policy:         cfg.Policy,
		auth:           cfg.Auth,
		log:            cfg.Logger,
		doc:            doc,
		spec:           info,
		routes:         newSpecRoutes(doc),
		collections:    map[string]bool{},
		projectPattern: pattern,
		metrics:        cfg.Metrics,
		opNames:        operationNames(info),
		validationOptions: &openapi3filter.Options{
			KeepValidatedValue:                true,
			RejectWhenRequestBodyNotSpecified: true,
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			SkipSettingDefaults:               true,
		},
	}
	if err := s.bindActions(); err != nil {
		return nil, err
	}
	if s.masks, err = newViewMasks(doc); err != nil {
		return nil, err
	}
	for _, p := range doc.Paths.InMatchingOrder() {
		if rest, ok := strings.CutPrefix(p, "/v2/"); ok {
			seg, _, _ := strings.Cut(rest, "/")
			if seg != "" && !strings.HasPrefix(seg, "{") {
				s.collections[seg] = true
			}
		}
	}

	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = func(err error, c echo.Context) { s.writeError(c, err) }
	e.Pre(s.stripProjectSegment)
	e.Use(s.observeRequest, s.lifecycle)
	e.GET("/healthz", s.healthz)
	if cfg.MetricsHandler != nil {
		e.Match([]string{http.MethodGet, http.MethodHead}, MetricsPath, echo.WrapHandler(cfg.MetricsHandler))
	}
	// The API reference and the OpenAPI document: open, outside /v2.
	docs := echo.WrapHandler(apidocs.Handler(openapi.Spec))
	for _, p := range []string{apidocs.PagePath, apidocs.AssetPrefix + "*", apidocs.SpecPath} {
		e.Match([]string{http.MethodGet, http.MethodHead}, p, docs)
	}
	e.Use(s.api)
	gen.RegisterHandlers(e, gen.NewStrictHandler(s, []gen.StrictMiddlewareFunc{s.maskViews, s.requireLookupAuthorized}))
	s.echo = e
	return s, nil
}

// LoadSpec returns the OpenAPI document embedded in gen.
func LoadSpec() (*openapi3.T, error) {
	doc, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("impl: load embedded spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("impl: embedded spec is invalid: %w", err)
	}
	return doc, nil
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.echo }

// Spec is what the server read from the OpenAPI document.
func (s *Server) Spec() *SpecInfo { return s.spec }

// authorizeGate checks an operation's (or action's) own rule against target
// for the request's caller. A refusal is Manila's 403 fault.
func (s *Server) authorizeGate(ctx context.Context, action string, target policy.Target) error {
	ok, err := s.decide(ctx, action, target)
	if err != nil {
		return err
	}
	if !ok {
		return forbidden(defaultForbidden)
	}
	return nil
}

// allowed asks the policy, for a rule a handler checks itself, without
// turning a refusal into an error. The operation must declare the rule
// (x-manila-policy-checks): an undeclared check is a bug in manilite, and
// fails loudly rather than hiding from `manilite policy list`.
func (s *Server) allowed(ctx context.Context, action string, target policy.Target) (bool, error) {
	ri := reqInfo(ctx)
	if ri.Op == nil || !ri.Op.declares(action, ri.Action) {
		op := "<none>"
		if ri.Op != nil {
			op = ri.Op.ID
		}
		return false, internalError(fmt.Errorf("operation %s checks rule %s, which its %s does not declare", op, action, extChecks))
	}
	return s.decide(ctx, action, target)
}

// policy.ContextIsAdminRule is Manila's rule for who is admin. The pipeline
// asks it once per request (the caller's Admin); every later question for it
// gets that answer, as Manila's context.is_admin.
const ruleContextIsAdmin = policy.ContextIsAdminRule

// decide asks the policy engine for the request's caller.
func (s *Server) decide(ctx context.Context, action string, target policy.Target) (bool, error) {
	ri := reqInfo(ctx)
	if action == ruleContextIsAdmin {
		return ri.Caller.IsAdmin(), nil
	}
	d, err := s.decideTimed(ctx, policy.Input{
		Action: action,
		Caller: ri.Caller,
		Target: target,
		Request: policy.Request{
			Method:       ri.method,
			Path:         ri.OrigPath,
			Microversion: ri.Version.String(),
		},
	})
	if err != nil {
		return false, internalError(err)
	}
	return d.Allowed, nil
}

func (s *Server) healthz(c echo.Context) error {
	body := map[string]any{"status": "ok", "policy_hash": s.policy.Hash()}
	if s.cfg.Health != nil {
		for k, v := range s.cfg.Health() {
			body[k] = v
		}
	}
	return c.JSON(http.StatusOK, body)
}

type noNotifier struct{}

func (noNotifier) Notify() {}
