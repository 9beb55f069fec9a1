package main

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/manilite/manilite/impl"
	"github.com/manilite/manilite/storage"
)

func mustVersion(s string) impl.APIVersion { return impl.MustParseAPIVersion(s) }

func parseManilaTime(s string) (time.Time, error) { return storage.ParseTime(s) }

func urlq(s string) string { return url.QueryEscape(s) }

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }

func readFS(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name)
	return string(b), err
}

type storageTx = storage.Tx

// placeCG makes a group available on a host, as its job would.
func placeCG(tx *storage.Tx, id string) error {
	return tx.PlaceShareGroup(context.Background(), id, "manilite@local#pool", "nova")
}
