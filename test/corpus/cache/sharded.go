package cache

import (
	"hash/fnv"
	"sync"
)

type shard struct {
	mu sync.Mutex
	m  map[string]int64
}

// Counters is a sharded map of counters for hot keys.
type Counters struct {
	shards [16]shard
}

// NewCounters returns ready-to-use counters.
func NewCounters() *Counters {
	c := &Counters{}
	for i := range c.shards {
		c.shards[i].m = make(map[string]int64)
	}
	return c
}

func (c *Counters) shardFor(key string) *shard {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	return &c.shards[h.Sum32()%uint32(len(c.shards))]
}

// Add increments key by n.
func (c *Counters) Add(key string, n int64) {
	sh := c.shardFor(key)
	sh.mu.Lock()
	sh.m[key] += n
	sh.mu.Unlock()
}

// Total sums every counter.
func (c *Counters) Total() int64 {
	var total int64
	for _, sh := range c.shards {
		sh.mu.Lock()
		for _, v := range sh.m {
			total += v
		}
		sh.mu.Unlock()
	}
	return total
}

// Keys lists every key, locking each shard in place.
func (c *Counters) Keys() []string {
	var keys []string
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for k := range sh.m {
			keys = append(keys, k)
		}
		sh.mu.Unlock()
	}
	return keys
}

// Reset clears every shard.
func (c *Counters) Reset() {
	for i := range c.shards {
		c.shards[i].mu.Lock()
		clear(c.shards[i].m)
		c.shards[i].mu.Unlock()
	}
}

// Snapshot is a plain copy of the counters, safe to pass by value.
type Snapshot struct {
	Counts map[string]int64
	Total  int64
}

// Snapshot copies every counter under its shard's lock.
func (c *Counters) Snapshot() Snapshot {
	s := Snapshot{Counts: make(map[string]int64)}
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		for k, v := range sh.m {
			s.Counts[k] = v
			s.Total += v
		}
		sh.mu.Unlock()
	}
	return s
}

// Top returns the key with the largest count in s.
func Top(s Snapshot) (string, int64) {
	var best string
	var max int64
	for k, v := range s.Counts {
		if v > max {
			best, max = k, v
		}
	}
	return best, max
}
