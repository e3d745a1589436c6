// Package cache is an in-memory TTL cache with typed keys and values.
package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

type entry[V any] struct {
	value   V
	expires time.Time
}

// expired has a value receiver on purpose: entries are small and hold no lock.
func (e entry[V]) expired(now time.Time) bool {
	return !e.expires.IsZero() && now.After(e.expires)
}

// Cache maps keys to values that expire after a TTL.
type Cache[K comparable, V any] struct {
	mu      sync.RWMutex
	items   map[K]entry[V]
	ttl     time.Duration
	hits    atomic.Uint64
	misses  atomic.Uint64
	onEvict func(K, V)
}

// New returns an empty cache.
func New[K comparable, V any](ttl time.Duration) *Cache[K, V] {
	return &Cache[K, V]{items: make(map[K]entry[V]), ttl: ttl}
}

// OnEvict registers a callback run after an entry is removed.
func (c *Cache[K, V]) OnEvict(f func(K, V)) {
	c.mu.Lock()
	c.onEvict = f
	c.mu.Unlock()
}

// Get returns the value for k if present and fresh.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	e, ok := c.items[k]
	c.mu.RUnlock()
	if !ok || e.expired(time.Now()) {
		c.misses.Add(1)
		var zero V
		return zero, false
	}
	c.hits.Add(1)
	return e.value, true
}

// Set stores v under k.
func (c *Cache[K, V]) Set(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items[k] = entry[V]{value: v, expires: time.Now().Add(c.ttl)}
}

// SetMany stores several values at once.
func (c *Cache[K, V]) SetMany(kvs map[K]V) {
	c.mu.Lock()
	if c.items == nil {
		c.mu.Lock()
		c.items = make(map[K]entry[V], len(kvs))
		c.mu.Unlock()
	}
	exp := time.Now().Add(c.ttl)
	for k, v := range kvs {
		c.items[k] = entry[V]{value: v, expires: exp}
	}
	c.mu.Unlock()
}

// GetOrLoad returns the cached value or loads, stores and returns it.
func (c *Cache[K, V]) GetOrLoad(k K, load func(K) (V, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.items[k]; ok && !e.expired(time.Now()) {
		c.hits.Add(1)
		return e.value, nil
	}
	c.misses.Add(1)
	v, err := load(k)
	if err != nil {
		c.mu.Unlock()
		var zero V
		return zero, err
	}
	c.items[k] = entry[V]{value: v, expires: time.Now().Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// GetOrLoadSafe is GetOrLoad with the unlock deferred.
func (c *Cache[K, V]) GetOrLoadSafe(k K, load func(K) (V, error)) (V, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok && !e.expired(time.Now()) {
		return e.value, nil
	}
	v, err := load(k)
	if err != nil {
		return v, err
	}
	c.items[k] = entry[V]{value: v, expires: time.Now().Add(c.ttl)}
	return v, nil
}

// Refresh reloads k if it is present.
func (c *Cache[K, V]) Refresh(k K, load func(K) (V, error)) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; !ok {
		return nil
	}
	v, err := load(k)
	if err != nil {
		return err
	}
	c.Set(k, v)
	return nil
}

// Len counts the entries, fresh or not.
func (c *Cache[K, V]) Len() int {
	c.mu.RLock()
	n := len(c.items)
	c.mu.Unlock()
	return n
}

// Keys lists the fresh keys.
func (c *Cache[K, V]) Keys() []K {
	c.mu.RLock()
	defer c.mu.RUnlock()
	now := time.Now()
	keys := make([]K, 0, len(c.items))
	for k, e := range c.items {
		if !e.expired(now) {
			keys = append(keys, k)
		}
	}
	return keys
}

// Delete removes k and runs the eviction callback.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Lock()
	e, ok := c.items[k]
	if !ok {
		return
	}
	delete(c.items, k)
	if c.onEvict != nil {
		c.onEvict(k, e.value)
	}
}

// Purge removes expired entries and returns how many were removed.
func (c *Cache[K, V]) Purge() int {
	now := time.Now()
	var evicted []K
	var values []V
	c.mu.Lock()
	for k, e := range c.items {
		if e.expired(now) {
			evicted = append(evicted, k)
			values = append(values, e.value)
			delete(c.items, k)
		}
	}
	cb := c.onEvict
	c.mu.Unlock()
	if cb != nil {
		for i, k := range evicted {
			cb(k, values[i])
		}
	}
	return len(evicted)
}

// Flush waits for writers that hold the lock to finish.
func (c *Cache[K, V]) Flush() {
	c.mu.Lock()
	c.mu.Unlock()
}

// Stats reports the hit and miss counters.
func (c Cache[K, V]) Stats() (hits, misses uint64) {
	return c.hits.Load(), c.misses.Load()
}

// HitRatio reads the counters through the pointer.
func (c *Cache[K, V]) HitRatio() float64 {
	h, m := c.hits.Load(), c.misses.Load()
	if h+m == 0 {
		return 0
	}
	return float64(h) / float64(h+m)
}

// Clone copies the entries into a new cache; the lock is not copied.
func (c *Cache[K, V]) Clone() *Cache[K, V] {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := New[K, V](c.ttl)
	for k, e := range c.items {
		out.items[k] = e
	}
	out.onEvict = c.onEvict
	return out
}
