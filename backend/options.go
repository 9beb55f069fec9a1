package backend

import (
	"context"
	"sync"
	"time"

	"github.com/manilite/manilite/backend/repo"
)

// Option configures a Local.
type Option func(*config)

type config struct {
	maxRate     int64
	backupStore repo.Store
	repoOptions repo.Options
}

// WithBackupStore keeps the backup repository in store (a repo.S3Store,
// say) instead of the default, a repo.LocalStore at <data-dir>/backups.
func WithBackupStore(store repo.Store) Option {
	return func(c *config) { c.backupStore = store }
}

// WithRepositoryOptions sets the backup repository's options.
func WithRepositoryOptions(o repo.Options) Option {
	return func(c *config) { c.repoOptions = o }
}

// WithMaxRate caps the rate at which backups, restores and snapshot copies
// read data, in bytes per second; 0 (the default) means unlimited. The cap
// is shared by all of a Local's copies running at the same time. Backups and
// snapshots count the share's file content they read, restores the archive
// bytes they read.
func WithMaxRate(bytesPerSecond int64) Option {
	return func(c *config) { c.maxRate = bytesPerSecond }
}

// rateLimiter is a token bucket on bytes read. Callers take what they have
// read and, if that leaves the bucket in debt, sleep until the debt is paid,
// so a read larger than the bucket still averages out at the rate.
type rateLimiter struct {
	rate  float64 // bytes per second
	burst float64 // most a bucket holds after an idle period

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// newRateLimiter returns nil (no limit) for a rate of 0.
func newRateLimiter(bytesPerSecond int64) *rateLimiter {
	if bytesPerSecond <= 0 {
		return nil
	}
	r := float64(bytesPerSecond)
	// A burst of 50ms of transfer: enough to absorb scheduling jitter,
	// small enough that a copy never runs visibly faster than the cap.
	return &rateLimiter{rate: r, burst: max(r/20, 1), last: time.Now()}
}

// chunk is how much a copy should read at once under this limit: small
// enough that sleeps (and progress reports) come at least ~16 times a second.
func (l *rateLimiter) chunk(most int) int {
	if l == nil {
		return most
	}
	c := int(min(l.rate/16, float64(most)))
	return min(most, c-c%4096+4096)
}

// take accounts for n bytes read and sleeps as long as the rate requires.
// It returns ctx's error if ctx ends first.
func (l *rateLimiter) take(ctx context.Context, n int) error {
	if l == nil || n <= 0 {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens -= float64(n)
	var wait time.Duration
	if l.tokens < 0 {
		wait = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if wait <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
