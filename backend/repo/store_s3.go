package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Options configure an S3Store.
type S3Options struct {
	// Endpoint is the server's URL, "http://host:port" or
	// "https://host:port". Buckets are looked up path-style
	// (endpoint/bucket/key), which every S3 implementation serves.
	Endpoint string
	// Region is the bucket's region; empty lets the client ask.
	Region string
	// AccessKey and SecretKey default to the environment's
	// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
	AccessKey, SecretKey string
	// MaxRetries bounds the client's retries (with exponential backoff) of
	// a request that failed transiently; 0 means DefaultS3MaxRetries.
	MaxRetries int
	// OpTimeout bounds every store operation (a pack's upload included),
	// retries included, so that a server that stops answering makes an
	// error rather than a hang; 0 means DefaultS3OpTimeout.
	OpTimeout time.Duration
	// NoCreateBucket makes a missing bucket an error wrapping
	// ErrNotFound; by default NewS3Store creates it.
	NoCreateBucket bool
}

const (
	// DefaultS3MaxRetries is S3Options.MaxRetries' default: with the
	// client's backoff (200 ms doubling, capped at 1 s) a dead server is
	// given up on after about 3 seconds.
	DefaultS3MaxRetries = 4
	// DefaultS3OpTimeout is S3Options.OpTimeout's default.
	DefaultS3OpTimeout = 5 * time.Minute
)

// S3Store is a Store in an S3 bucket, below a prefix. S3's PutObject is
// atomic (an object appears whole or not at all), and S3Store never uses
// multipart uploads, so a lost connection never leaves a partial object.
type S3Store struct {
	client    *minio.Client
	bucket    string
	prefix    string // "" or ending with "/"
	opTimeout time.Duration
}

// ParseS3URL splits "s3://bucket/prefix" into its bucket and prefix (which
// may be empty, and has no leading or trailing slash).
func ParseS3URL(s string) (bucket, prefix string, err error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", "", fmt.Errorf("repo: s3 url %q: %w", s, err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", "", fmt.Errorf("repo: s3 url %q: want s3://bucket[/prefix]", s)
	}
	return u.Host, strings.Trim(u.Path, "/"), nil
}

// NewS3Store opens the store at repoURL ("s3://bucket/prefix") on the
// server opts.Endpoint. It checks that the bucket exists (creating it
// unless opts.NoCreateBucket), which also checks the credentials: wrong
// ones are an error wrapping ErrAccessDenied.
func NewS3Store(ctx context.Context, repoURL string, opts S3Options) (*S3Store, error) {
	bucket, prefix, err := ParseS3URL(repoURL)
	if err != nil {
		return nil, err
	}
	ep, err := url.Parse(opts.Endpoint)
	if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" {
		return nil, fmt.Errorf("repo: s3 endpoint %q: want http://host[:port] or https://host[:port]", opts.Endpoint)
	}
	access, secret := opts.AccessKey, opts.SecretKey
	if access == "" && secret == "" {
		access, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	}
	if access == "" || secret == "" {
		return nil, fmt.Errorf("repo: s3 %s: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)", repoURL)
	}
	retries := opts.MaxRetries
	if retries <= 0 {
		retries = DefaultS3MaxRetries
	}
	s := &S3Store{bucket: bucket, opTimeout: opts.OpTimeout}
	if prefix != "" {
		s.prefix = prefix + "/"
	}
	if s.opTimeout <= 0 {
		s.opTimeout = DefaultS3OpTimeout
	}
	s.client, err = minio.New(ep.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(access, secret, ""),
		Secure:       ep.Scheme == "https",
		Region:       opts.Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   retries,
		Transport:    s3Transport(ep.Scheme == "https"),
	})
	if err != nil {
		return nil, fmt.Errorf("repo: s3 %s: %w", repoURL, err)
	}
	octx, cancel := s.opContext(ctx)
	defer cancel()
	exists, err := s.client.BucketExists(octx, bucket)
	if err != nil {
		return nil, s.wrap("open", "", err)
	}
	if !exists {
		if opts.NoCreateBucket {
			// Some servers (versitygw) answer a HEAD of a bucket with
			// 404 for an unknown access key too: ask something that
			// tells the two apart.
			if _, err := s.client.ListBuckets(octx); err != nil {
				return nil, s.wrap("open", "", err)
			}
			return nil, fmt.Errorf("repo: s3 bucket %s does not exist: %w", bucket, ErrNotFound)
		}
		err := s.client.MakeBucket(octx, bucket, minio.MakeBucketOptions{Region: opts.Region})
		if err != nil && minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return nil, s.wrap("create bucket", "", err)
		}
	}
	return s, nil
}

// s3Transport is the default transport with timeouts on the parts of a
// request that can hang without the operation's context noticing early:
// a dial to a dead host, and a server that accepted but does not answer.
func s3Transport(secure bool) http.RoundTripper {
	t, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil
	}
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.ResponseHeaderTimeout = 2 * time.Minute
	return t
}

func (s *S3Store) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// wrap turns a client error into the package's: missing objects wrap
// ErrNotFound, refused credentials ErrAccessDenied.
func (s *S3Store) wrap(op, key string, err error) error {
	what := "s3://" + s.bucket + "/" + s.prefix + key
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("repo: %s %s: %w", op, what, ErrNotFound)
	case "NoSuchBucket":
		return fmt.Errorf("repo: %s %s: bucket does not exist: %w", op, what, ErrNotFound)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		// versitygw's answer to an unknown access key (with a 404).
		"XAdminUserNotFound":
		return fmt.Errorf("repo: %s %s: %w (check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY): %v", op, what, ErrAccessDenied, err)
	}
	if resp.StatusCode == 403 {
		return fmt.Errorf("repo: %s %s: %w: %v", op, what, ErrAccessDenied, err)
	}
	return fmt.Errorf("repo: %s %s: %w", op, what, err)
}

func (s *S3Store) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// One PUT per object: atomic, and retried by the client as a
		// whole (the reader is seekable).
		DisableMultipart: true,
		// The server checks the body against it whatever the signing
		// mode: over plain HTTP minio-go signs the payload's SHA-256,
		// over HTTPS it sends UNSIGNED-PAYLOAD, and a pack damaged on
		// the way should fail its Put rather than a later Check.
		SendContentMd5: true,
	})
	if err != nil {
		return s.wrap("put", key, err)
	}
	return nil
}

func (s *S3Store) Get(ctx context.Context, key string) ([]byte, error) {
	return s.get(ctx, key, minio.GetObjectOptions{}, -1)
}

func (s *S3Store) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("repo: object %s: invalid range %d+%d", key, offset, length)
	}
	if length == 0 {
		return []byte{}, nil
	}
	var o minio.GetObjectOptions
	if err := o.SetRange(offset, offset+length-1); err != nil {
		return nil, err
	}
	return s.get(ctx, key, o, length)
}

// get reads an object, or the range o names; want is the length the
// range must have (-1: any).
func (s *S3Store) get(ctx context.Context, key string, o minio.GetObjectOptions, want int64) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, o)
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, s.wrap("get", key, err)
	}
	if want >= 0 && int64(len(b)) != want {
		return nil, fmt.Errorf("repo: get %s: got %d bytes of a %d-byte range", key, len(b), want)
	}
	return b, nil
}

func (s *S3Store) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	var out []ObjectInfo
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, s.wrap("list", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, s.prefix)
		if checkKey(key) != nil {
			continue // not one of ours (or a directory marker)
		}
		out = append(out, ObjectInfo{Key: key, Size: o.Size, ModTime: o.LastModified})
	}
	return out, nil
}

func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		werr := s.wrap("delete", key, err)
		if errors.Is(werr, ErrNotFound) {
			return nil
		}
		return werr
	}
	return nil
}

func (s *S3Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	ctx, cancel := s.opContext(ctx)
	defer cancel()
	o, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, s.wrap("stat", key, err)
	}
	return ObjectInfo{Key: key, Size: o.Size, ModTime: o.LastModified}, nil
}
