// Package lockkit holds small locking helpers shared by the services: a lock file, keyed
// mutexes and pointer-sharing counters.
package lockkit

import (
	"context"
	"errors"
	"os"
	"sort"
	"sync"
	"time"
)

// fileLock is an advisory lock file; Lock and Unlock are not a sync.Mutex and are held
// across calls on purpose.
type fileLock struct {
	path string
	f    *os.File
}

func (l *fileLock) Lock() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	l.f = f
	return nil
}

func (l *fileLock) Unlock() error {
	if l.f == nil {
		return errors.New("lockkit: lock file not held")
	}
	l.f.Close()
	return os.Remove(l.path)
}

// Acquire takes the process-wide lock file; Release gives it back at shutdown.
func Acquire(dir string) (*fileLock, error) {
	lk := &fileLock{path: dir + "/queue.lock"}
	if err := lk.Lock(); err != nil {
		return nil, err
	}
	return lk, nil
}

// Shared points at a mutex owned elsewhere, so copying a Shared copies only the pointer.
type Shared struct {
	mu    *sync.Mutex
	count *int
}

// Incr has a value receiver: only pointers are copied.
func (s Shared) Incr() {
	s.mu.Lock()
	*s.count++
	s.mu.Unlock()
}

type bucket struct {
	mu    sync.Mutex
	items []string
}

// Buckets spreads strings over locked buckets.
type Buckets struct {
	all []*bucket
}

// Sizes ranges over pointers: no bucket is copied.
func (b *Buckets) Sizes() []int {
	sizes := make([]int, 0, len(b.all))
	for _, bk := range b.all {
		bk.mu.Lock()
		sizes = append(sizes, len(bk.items))
		bk.mu.Unlock()
	}
	return sizes
}

// First returns the first bucket; a pointer, so the copy is fine.
func (b *Buckets) First() *bucket {
	first := b.all[0]
	return first
}

// Expiring returns a context for one batch; the caller cancels it, and so does a timer.
func Expiring(ctx context.Context, d time.Duration) (context.Context, func()) {
	ctx, cancel := context.WithCancel(ctx)
	t := time.AfterFunc(d, cancel)
	return ctx, func() {
		t.Stop()
		cancel()
	}
}

// Guarded runs f while holding mu, releasing it even if f panics.
func Guarded(mu *sync.Mutex, f func()) {
	mu.Lock()
	defer func() {
		mu.Unlock()
	}()
	f()
}

// KeyedMutex serialises work per key and forgets keys nobody holds.
type KeyedMutex struct {
	mu    sync.Mutex
	locks map[string]*refLock
}

type refLock struct {
	mu   sync.Mutex
	refs int
}

// NewKeyedMutex returns an empty keyed mutex.
func NewKeyedMutex() *KeyedMutex {
	return &KeyedMutex{locks: make(map[string]*refLock)}
}

// Lock locks key and returns the function that unlocks it.
func (k *KeyedMutex) Lock(key string) func() {
	k.mu.Lock()
	l, ok := k.locks[key]
	if !ok {
		l = &refLock{}
		k.locks[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

// Do runs f while holding key.
func (k *KeyedMutex) Do(key string, f func() error) error {
	unlock := k.Lock(key)
	defer unlock()
	return f()
}

// TryDo runs f only if nobody holds the table lock right now.
func (k *KeyedMutex) TryDo(f func()) bool {
	if !k.mu.TryLock() {
		return false
	}
	defer k.mu.Unlock()
	f()
	return true
}

// Keys lists the keys currently held, sorted.
func (k *KeyedMutex) Keys() []string {
	k.mu.Lock()
	if len(k.locks) == 0 {
		return nil
	}
	keys := make([]string, 0, len(k.locks))
	for key := range k.locks {
		keys = append(keys, key)
	}
	k.mu.Unlock()
	sort.Strings(keys)
	return keys
}

// Watchdog cancels the returned context when no job completes within idle.
func Watchdog(ctx context.Context, idle time.Duration, progress <-chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		t := time.NewTimer(idle)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-progress:
				t.Reset(idle)
			case <-t.C:
				return
			}
		}
	}()
	return ctx
}

// sleepCtx sleeps for d unless ctx is done first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Retry reruns run with growing pauses that end early when ctx is done.
func Retry(ctx context.Context, run func(context.Context) error, attempts int) error {
	var err error
	for a := range attempts {
		if err = run(ctx); err == nil {
			return nil
		}
		if serr := sleepCtx(ctx, time.Duration(1<<a)*10*time.Millisecond); serr != nil {
			return serr
		}
	}
	return err
}
