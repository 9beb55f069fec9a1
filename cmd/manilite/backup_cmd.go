package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/manilite/manilite/backend/repo"
)

// repositoryOptions say where the backup repository is: serve's flags,
// which `manilite backup` takes too.
type repositoryOptions struct {
	// Repository is a folder, or s3://bucket/prefix; empty is
	// <data-dir>/backups.
	Repository string
	S3Endpoint string
	S3Region   string
	// S3AccessKey and S3SecretKey come from AWS_ACCESS_KEY_ID and
	// AWS_SECRET_ACCESS_KEY.
	S3AccessKey, S3SecretKey string
}

func repositoryFlags(fs *flag.FlagSet, r *repositoryOptions) {
	fs.StringVar(&r.Repository, "backup-repository", "", "where backups are kept: a folder, or s3://bucket/prefix on --s3-endpoint (credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY); empty: <data-dir>/backups")
	fs.StringVar(&r.S3Endpoint, "s3-endpoint", "", "the S3 server of an s3:// --backup-repository, http(s)://host[:port] (buckets are addressed path-style)")
	fs.StringVar(&r.S3Region, "s3-region", "us-east-1", "the region of an s3:// --backup-repository's bucket")
}

// credentialsFrom takes the S3 credentials from the environment.
func (r *repositoryOptions) credentialsFrom(getenv func(string) string) {
	r.S3AccessKey, r.S3SecretKey = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
}

// openStore opens the backup repository's store: nil for the default
// (backend's <data-dir>/backups). A missing bucket is created.
func (r *repositoryOptions) openStore(ctx context.Context, dataDir string) (repo.Store, error) {
	switch {
	case r.Repository == "":
		return repo.NewLocalStore(filepath.Join(dataDir, "backups"))
	case strings.HasPrefix(r.Repository, "s3://"):
		if r.S3Endpoint == "" {
			return nil, fmt.Errorf("--backup-repository %s needs --s3-endpoint", r.Repository)
		}
		s, err := repo.NewS3Store(ctx, r.Repository, repo.S3Options{
			Endpoint: r.S3Endpoint, Region: r.S3Region,
			AccessKey: r.S3AccessKey, SecretKey: r.S3SecretKey,
		})
		if err != nil {
			return nil, fmt.Errorf("--backup-repository %s: %w", r.Repository, err)
		}
		return s, nil
	case strings.Contains(r.Repository, "://"):
		return nil, fmt.Errorf("--backup-repository %s: a folder or s3://bucket/prefix", r.Repository)
	}
	return repo.NewLocalStore(r.Repository)
}

func backupUsage(w io.Writer) {
	fmt.Fprint(w, `usage:
  manilite backup check [--read-data] [--data-dir D] [--backup-repository R] [--s3-endpoint URL] [--s3-region REGION]
      verify the backup repository: every backup's manifest, the index, and
      that every chunk a backup needs is in a pack that exists; with
      --read-data every pack is read and every chunk re-hashed. Exits 1 on
      damage, 0 when the repository is sound (leftovers of interrupted
      backups are not damage: the next delete or start-up removes them).
`)
}

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "check" {
		backupUsage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("manilite backup check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var r repositoryOptions
	var dataDir string
	readData := fs.Bool("read-data", false, "read every pack and re-hash every chunk")
	fs.StringVar(&dataDir, "data-dir", "./data", "serve's --data-dir (its backups folder is the default repository)")
	repositoryFlags(fs, &r)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if err := applyEnv(fs, getenv); err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 2
	}
	r.credentialsFrom(getenv)
	store, err := r.openStore(ctx, dataDir)
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	// Checking must not make a repository where there is none.
	if _, err := store.Stat(ctx, "config"); err != nil {
		if errors.Is(err, repo.ErrNotFound) {
			err = errors.New("no backup repository there (no config object)")
		}
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	rp, err := repo.Open(ctx, store, repo.Options{})
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	defer rp.Close()
	rep, err := rp.Check(ctx, *readData)
	if err != nil {
		fmt.Fprintln(stderr, "manilite:", err)
		return 1
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, "damage:", p)
	}
	fmt.Fprintf(stdout, "%d backups, %d index objects, %d packs, %d chunks checked", rep.Backups, rep.IndexObjects, rep.Packs, rep.Blobs)
	if *readData {
		fmt.Fprintf(stdout, ", %d bytes read", rep.ReadBytes)
	}
	fmt.Fprintf(stdout, "; %d leftover packs\n", len(rep.Leftovers))
	if !rep.OK() {
		fmt.Fprintf(stdout, "the repository is damaged: %d problems\n", len(rep.Problems))
		return 1
	}
	fmt.Fprintln(stdout, "no damage found")
	return 0
}
