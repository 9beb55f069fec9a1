package keystone

import (
	"container/list"
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"github.com/manilite/manilite/policy"
)

// lruCache holds the callers of valid tokens, keyed by the SHA-256 of the
// token, up to a fixed number of entries; the least recently used goes
// first. Expired entries are dropped when next looked up, or sooner by
// eviction.
type lruCache struct {
	size int

	mu    sync.Mutex
	order *list.List // of *cacheEntry, most recently used first
	items map[[sha256.Size]byte]*list.Element
}

type cacheEntry struct {
	key    [sha256.Size]byte
	caller policy.Caller
	until  time.Time // the entry is stale from this instant on
}

func newLRUCache(size int) *lruCache {
	return &lruCache{size: size, order: list.New(), items: make(map[[sha256.Size]byte]*list.Element)}
}

// get returns the caller cached under key if it is still fresh at now. The
// caller's Roles are a copy the receiver may modify.
func (c *lruCache) get(key [sha256.Size]byte, now time.Time) (policy.Caller, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return policy.Caller{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.until) {
		c.order.Remove(el)
		delete(c.items, key)
		return policy.Caller{}, false
	}
	c.order.MoveToFront(el)
	caller := e.caller
	caller.Roles = slices.Clone(caller.Roles)
	return caller, true
}

// put caches caller under key until until, evicting the least recently
// used entries beyond the size bound. The cache keeps caller as given, so
// the receiver must not modify caller.Roles afterwards.
func (c *lruCache) put(key [sha256.Size]byte, caller policy.Caller, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*cacheEntry)
		e.caller, e.until = caller, until
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, caller: caller, until: until})
	for c.order.Len() > c.size {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*cacheEntry).key)
	}
}

// len reports how many entries are held, fresh or not.
func (c *lruCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
