package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/manilite/manilite/internal/s3test"
)

// The S3 tests run against a real S3 server, versitygw, which
// internal/s3test starts (and skips without, unless $CI is true).

const (
	s3Access = s3test.AccessKey
	s3Secret = s3test.SecretKey
)

// s3Server is a versitygw process serving a directory.
type s3Server struct {
	*s3test.Server
	dir string
}

func startS3(t *testing.T) *s3Server {
	t.Helper()
	srv := s3test.Start(t)
	return &s3Server{Server: srv, dir: srv.Dir}
}

func (s *s3Server) start() { s.Restart() }
func (s *s3Server) kill()  { s.Kill() }

func (s *s3Server) options() S3Options {
	return S3Options{Endpoint: s.Endpoint(), Region: "us-east-1", AccessKey: s3Access, SecretKey: s3Secret}
}

func (s *s3Server) open(t *testing.T, url string, opts Options) (*Repo, *S3Store) {
	t.Helper()
	st, err := NewS3Store(context.Background(), url, s.options())
	must(t, err)
	r, err := Open(context.Background(), st, opts)
	must(t, err)
	t.Cleanup(func() { r.Close() })
	return r, st
}

func TestParseS3URL(t *testing.T) {
	for _, c := range []struct{ in, bucket, prefix string }{
		{"s3://b", "b", ""},
		{"s3://b/", "b", ""},
		{"s3://bucket/some/prefix/", "bucket", "some/prefix"},
	} {
		b, p, err := ParseS3URL(c.in)
		if err != nil || b != c.bucket || p != c.prefix {
			t.Errorf("ParseS3URL(%q) = %q, %q, %v", c.in, b, p, err)
		}
	}
	for _, bad := range []string{"", "http://b/p", "s3:///p", "s3://u@b/p", "b/p"} {
		if _, _, err := ParseS3URL(bad); err == nil {
			t.Errorf("ParseS3URL(%q) accepted", bad)
		}
	}
}

func TestS3RoundTripDedup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startS3(t)
	src := t.TempDir()
	variedTree(t, src)
	r, st := srv.open(t, "s3://manilite-backups/share-repo", Options{PackSize: 4 << 20})
	t1 := backupTree(t, r, "b1", src)
	s1 := stats(t, r)
	assertRestores(t, r, "b1", src)
	t2 := backupTree(t, r, "b2", src)
	s2 := stats(t, r)
	if t2.NewChunks != 0 || t2.NewPacks != 0 || s2.PackBytes != s1.PackBytes {
		t.Fatalf("unchanged backup over S3 stored something: %+v (first %+v)", t2, t1)
	}
	// The objects are where the layout says, below the prefix.
	objs, err := st.List(ctx, "")
	must(t, err)
	var kinds = map[string]int{}
	for _, o := range objs {
		kinds[strings.SplitN(o.Key, "/", 2)[0]]++
	}
	if kinds["config"] != 1 || kinds["manifests"] != 2 || kinds["packs"] != s1.Packs || kinds["index"] != 1 {
		t.Fatalf("objects by kind %v", kinds)
	}
	if _, err := os.Stat(filepath.Join(srv.dir, "manilite-backups", "share-repo", "config")); err != nil {
		t.Fatalf("config not below the prefix: %v", err)
	}
	// A range read, a missing object.
	b, err := st.GetRange(ctx, "config", 2, 6)
	must(t, err)
	whole, err := st.Get(ctx, "config")
	must(t, err)
	if !bytes.Equal(b, whole[2:8]) {
		t.Fatalf("range %q of %q", b, whole)
	}
	if _, err := st.Get(ctx, "nothing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing object: %v", err)
	}
	must(t, r.Delete(ctx, "b1"))
	must(t, r.Delete(ctx, "b2"))
	_, err = r.Prune(ctx)
	must(t, err)
	if s := stats(t, r); s.Packs != 0 || s.IndexObjects != 0 {
		t.Fatalf("after deleting everything: %+v", s)
	}
	checkClean(t, r, true)
}

func TestS3WrongCredentials(t *testing.T) {
	srv := startS3(t)
	o := srv.options()
	o.SecretKey = "wrong"
	_, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o)
	if !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("wrong secret: %v", err)
	}
	t.Logf("wrong secret: %v", err)
	o = srv.options()
	o.AccessKey = "nobody"
	if _, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("unknown access key: %v", err)
	}
	o.NoCreateBucket = true
	if _, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("unknown access key, no bucket creation: %v", err)
	}
	o = srv.options()
	o.NoCreateBucket = true
	if _, err := NewS3Store(context.Background(), "s3://no-such-bucket/x", o); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing bucket with NoCreateBucket: %v", err)
	}
	// The credentials come from the environment when the options have
	// none.
	o = srv.options()
	o.AccessKey, o.SecretKey = "", ""
	t.Setenv("AWS_ACCESS_KEY_ID", s3Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	if _, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("wrong secret in the environment: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", s3Secret)
	if _, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o); err != nil {
		t.Fatalf("credentials from the environment: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := NewS3Store(context.Background(), "s3://manilite-backups/x", o); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Fatalf("no credentials: %v", err)
	}
}

// killingReader is a file's content that kills the S3 server once it
// has been read past at bytes, and then goes on.
type killingReader struct {
	r    io.Reader
	n    int64
	at   int64
	kill func()
}

func (k *killingReader) Read(p []byte) (int, error) {
	n, err := k.r.Read(p)
	k.n += int64(n)
	if k.kill != nil && k.n >= k.at {
		k.kill()
		k.kill = nil
	}
	return n, err
}

func TestS3ServerKilledMidBackup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startS3(t)
	r, _ := srv.open(t, "s3://manilite-backups/r", Options{PackSize: 1 << 20})
	src := t.TempDir()
	writeTree(t, src, []fileSpec{{path: "f", data: content(1, 100_000)}})
	backupTree(t, r, "before", src)

	w, err := r.NewBackup(ctx, "killed")
	must(t, err)
	defer w.Abort()
	start := time.Now()
	data := content(2, 12<<20)
	_, err = w.AddFile(ctx, Entry{Path: "big"}, &killingReader{r: bytes.NewReader(data), at: 6 << 20, kill: srv.kill})
	if err == nil {
		_, err = w.Commit(ctx)
	}
	if err == nil {
		t.Fatal("backup with the server killed midway committed")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("the error took %v", d)
	}
	t.Logf("backup with the server killed: %v (after %v)", err, time.Since(start).Round(time.Millisecond))

	// Back up: the killed backup is not there, the one before restores.
	srv.start()
	if _, err := r.OpenBackup(ctx, "killed"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("killed backup: %v", err)
	}
	assertRestores(t, r, "before", src)
	_, err = r.Prune(ctx)
	must(t, err)
	checkClean(t, r, true)
}

func TestS3ServerKilledMidRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := startS3(t)
	r, _ := srv.open(t, "s3://manilite-backups/r", Options{PackSize: 1 << 20})
	src := t.TempDir()
	writeTree(t, src, []fileSpec{{path: "big", data: content(3, 12<<20)}})
	backupTree(t, r, "b", src)
	b, err := r.OpenBackup(ctx, "b")
	must(t, err)
	e, _ := b.Entry("big")
	start := time.Now()
	var out killingWriter
	out.kill = srv.kill
	err = b.WriteFile(ctx, e, &out, nil)
	if err == nil {
		t.Fatal("restore with the server killed midway succeeded")
	}
	if errors.Is(err, ErrCorrupt) {
		t.Fatalf("a dead server is not corruption: %v", err)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Fatalf("the error took %v", d)
	}
	t.Logf("restore with the server killed: %v (after %v)", err, time.Since(start).Round(time.Millisecond))
	srv.start()
	assertRestores(t, r, "b", src)
}

// killingWriter kills the server at its first write (the first chunk
// restored), with the rest of the file still to be fetched.
type killingWriter struct {
	n    int
	kill func()
}

func (k *killingWriter) Write(p []byte) (int, error) {
	if k.kill != nil {
		k.kill()
		k.kill = nil
	}
	k.n += len(p)
	return len(p), nil
}

var _ = fmt.Sprintf
