package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Keyed holds one limiter per key (client IP, API token) and forgets idle keys.
type Keyed struct {
	mu       sync.RWMutex
	rate     float64
	burst    int
	limiters map[string]*keyedEntry
}

type keyedEntry struct {
	lim  *Limiter
	seen time.Time
}

// NewKeyed returns an empty keyed limiter.
func NewKeyed(rate float64, burst int) *Keyed {
	return &Keyed{rate: rate, burst: burst, limiters: make(map[string]*keyedEntry)}
}

func (k *Keyed) get(key string) *Limiter {
	k.mu.RLock()
	e, ok := k.limiters[key]
	k.mu.RUnlock()
	if ok {
		return e.lim
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.limiters[key]; ok {
		return e.lim
	}
	e = &keyedEntry{lim: New(k.rate, k.burst), seen: time.Now()}
	k.limiters[key] = e
	return e.lim
}

// Allow takes a token for key.
func (k *Keyed) Allow(key string) bool {
	return k.get(key).Allow()
}

// Touch records that key was seen now.
func (k *Keyed) Touch(key string, create bool) {
	switch {
	case create:
		k.mu.Lock()
		if _, ok := k.limiters[key]; !ok {
			k.limiters[key] = &keyedEntry{lim: New(k.rate, k.burst)}
		}
	case k.Len() == 0:
		return
	}
	if e, ok := k.limiters[key]; ok {
		e.seen = time.Now()
	}
	k.mu.Unlock()
}

// Len counts the keys.
func (k *Keyed) Len() int {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return len(k.limiters)
}

// Forget removes keys idle for longer than idle.
func (k *Keyed) Forget(idle time.Duration) int {
	cutoff := time.Now().Add(-idle)
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for key, e := range k.limiters {
		if e.seen.Before(cutoff) {
			delete(k.limiters, key)
			n++
		}
	}
	return n
}

// Janitor forgets idle keys until ctx is done.
func (k *Keyed) Janitor(ctx context.Context, every, idle time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			k.Forget(idle)
		}
	}
}

// Sweep forgets idle keys in a loop; it is meant for a dedicated goroutine.
func (k *Keyed) Sweep(ctx context.Context, every, idle time.Duration) {
	for ctx.Err() == nil {
		k.Forget(idle)
		time.Sleep(every)
	}
}

// Rates copies the current rates per key.
func (k *Keyed) Rates() map[string]float64 {
	k.mu.RLock()
	out := make(map[string]float64, len(k.limiters))
	for key, e := range k.limiters {
		e.lim.mu.Lock()
		out[key] = e.lim.rate
		e.lim.mu.Unlock()
	}
	k.mu.RUnlock()
	return out
}

// Backoff sleeps between attempts of a start-up probe that has no caller context.
func Backoff(attempts int, probe func() bool) bool {
	for i := 0; i < attempts; i++ {
		if probe() {
			return true
		}
		time.Sleep(time.Duration(i+1) * 100 * time.Millisecond)
	}
	return false
}
