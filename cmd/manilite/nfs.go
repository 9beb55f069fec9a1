package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/manilite/manilite/backend"
	"github.com/manilite/manilite/backend/ganesha"
	"github.com/manilite/manilite/state"
	"github.com/manilite/manilite/storage"
	"github.com/manilite/manilite/worker"
)

// ganeshaOptions are the --nfs-ganesha-* flags.
type ganeshaOptions struct {
	Config       string
	PIDFile      string
	Port         int
	Bind         string
	Graceless    bool
	RecoveryRoot string
}

// nfsProto is the share protocol nfs-ganesha exports, and nfsAccessType
// the one access type it takes (the ganesha helper's
// supported_access_types).
const (
	nfsProto      = "NFS"
	nfsAccessType = "ip"
)

// nfsExports is the NFS data plane: the access rules of manilite's NFS
// shares, as nfs-ganesha exports of their directories.
type nfsExports struct {
	db    *storage.DB
	data  *backend.Local
	apply *ganesha.Applier
	log   *slog.Logger
}

// reloadError is a reload that failed after the file was written.
type reloadError struct{ err error }

func (e *reloadError) Error() string { return e.err.Error() }
func (e *reloadError) Unwrap() error { return e.err }

func newNFSExports(o ganeshaOptions, db *storage.DB, data *backend.Local, log *slog.Logger) (*nfsExports, error) {
	if o.Config == "" {
		return nil, errors.New("--nfs ganesha needs --nfs-ganesha-config, the file ganesha.nfsd is started with")
	}
	if o.PIDFile == "" {
		return nil, errors.New("--nfs ganesha needs --nfs-ganesha-pidfile, to have ganesha.nfsd reload its exports")
	}
	conf, err := filepath.Abs(o.Config)
	if err != nil {
		return nil, err
	}
	hup := ganesha.SIGHUP{PIDFile: o.PIDFile}
	reload := func() error {
		if err := hup.Reload(); err != nil {
			return &reloadError{err}
		}
		return nil
	}
	srv := ganesha.Server{Port: o.Port, Bind: o.Bind, Graceless: o.Graceless, RecoveryRoot: o.RecoveryRoot}
	return &nfsExports{db: db, data: data, apply: &ganesha.Applier{Path: conf, Server: srv, Reload: reload}, log: log}, nil
}

// start renders the whole state once, so that exports changed while
// manilite was down (or a lost file) converge. A ganesha that is not
// running yet is no error: it reads the file when it starts.
func (n *nfsExports) start(ctx context.Context) error {
	err := n.sync(ctx)
	if re := (*reloadError)(nil); errors.As(err, &re) {
		n.log.Warn("nfs-ganesha configuration written, but ganesha.nfsd could not be told to reload it (it reads it when it starts)",
			"config", n.apply.Path, "error", re.err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("--nfs ganesha: %w", err)
	}
	n.log.Info("nfs-ganesha exports written and reloaded", "config", n.apply.Path)
	return nil
}

// sync writes the exports of every NFS share and has ganesha reload them.
func (n *nfsExports) sync(ctx context.Context) error { return n.apply.Apply(ctx, n.exports) }

// exports is the whole export state, read from the database: every live
// NFS share with rules, but those being deleted and those whose directory
// is gone, each with the clients of its rules on the share that ganesha
// can take.
func (n *nfsExports) exports(ctx context.Context) ([]ganesha.Export, error) {
	shares, err := n.db.ShareExports(ctx, nfsProto)
	if err != nil {
		return nil, err
	}
	out := make([]ganesha.Export, 0, len(shares))
	for _, sh := range shares {
		if state.ShareBeingDeleted.Contains(sh.Status) {
			continue
		}
		path, err := n.data.SharePath(sh.ShareID)
		if err != nil {
			return nil, err
		}
		if !n.data.ShareExists(sh.ShareID) {
			// Ganesha would refuse the export; the share's own sync fails.
			continue
		}
		clients, _ := ganeshaClients(sh.Rules)
		out = append(out, ganesha.Export{ID: sh.ExportID, Name: "share " + sh.ShareID, Path: path, Pseudo: "/" + sh.ShareID, Clients: clients})
	}
	return out, nil
}

// ganeshaClients are the clients of the rules on the share (neither
// leaving nor in error), and the ids of those ganesha cannot take: another
// access type than ip, or an address ganesha.ClientAddr refuses.
func ganeshaClients(rules []storage.AccessRule) (clients []ganesha.Client, refused []string) {
	for _, r := range rules {
		if !state.AccessRuleOnShare.Contains(r.State) {
			continue
		}
		addr, err := ganesha.ClientAddr(r.AccessTo)
		if r.AccessType != nfsAccessType || err != nil {
			refused = append(refused, r.ID)
			continue
		}
		clients = append(clients, ganesha.Client{Addr: addr, ReadOnly: r.AccessLevel == string(state.AccessLevelRo)})
	}
	return clients, refused
}

// exportAccess is the access job's hook (worker.ExportAccess): it renders
// the whole state again, this share's rules as they now are with it, and
// reports the rules ganesha cannot take. A share of another protocol has
// no data plane: its rules are records.
func (n *nfsExports) exportAccess(ctx context.Context, shareID string, rules []storage.AccessRule) ([]string, error) {
	sh, err := n.db.GetShare(ctx, shareID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if sh.Proto != nfsProto {
		return nil, nil
	}
	_, refused := ganeshaClients(rules)
	if !state.ShareBeingDeleted.Contains(sh.Status) && !n.data.ShareExists(shareID) {
		return nil, worker.Permanent(fmt.Errorf("share %s has no directory to export", shareID))
	}
	if err := n.sync(ctx); err != nil {
		return nil, err
	}
	if len(refused) > 0 {
		n.log.Warn("access rules ganesha cannot apply are in error", "share_id", shareID, "access_ids", refused)
	}
	return refused, nil
}

// unexportingData is the share jobs' data plane with ganesha: before a
// share's directory goes, its export goes (the share is being deleted, so
// the render leaves it out), as Manila's share manager denies every rule
// before it deletes a share. If ganesha cannot be reloaded the delete is
// retried, and fails as Manila's would.
type unexportingData struct {
	*backend.Local
	nfs *nfsExports
}

func (d unexportingData) DeleteShare(id string) error {
	ctx := context.Background()
	sh, err := d.nfs.db.GetShare(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return d.Local.DeleteShare(id)
	}
	if err != nil {
		return err
	}
	rules, err := d.nfs.db.ListAccessRules(ctx, id)
	if err != nil {
		return err
	}
	// A share never exported needs no reload (and no running ganesha).
	if sh.Proto == nfsProto && len(rules) > 0 {
		if err := d.nfs.sync(ctx); err != nil {
			return fmt.Errorf("unexport share %s: %w", id, err)
		}
	}
	return d.Local.DeleteShare(id)
}
