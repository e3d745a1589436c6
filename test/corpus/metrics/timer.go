package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Timer measures durations into fixed buckets.
type Timer struct {
	mu      sync.Mutex
	bounds  []time.Duration
	counts  []int64
	samples chan time.Duration
	wg      sync.WaitGroup
}

// NewTimer returns a timer with the given bucket upper bounds.
func NewTimer(bounds ...time.Duration) *Timer {
	return &Timer{bounds: bounds, counts: make([]int64, len(bounds)+1), samples: make(chan time.Duration, 64)}
}

// Observe records one duration.
func (t *Timer) Observe(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := 0
	for i < len(t.bounds) && d > t.bounds[i] {
		i++
	}
	t.counts[i]++
}

// Since records the time elapsed since start; meant for `defer t.Since(time.Now())`.
func (t *Timer) Since(start time.Time) {
	t.Observe(time.Since(start))
}

// Start drains samples in n workers until ctx is done.
func (t *Timer) Start(ctx context.Context, n int) {
	for range n {
		t.wg.Add(1)
		go func() {
			defer t.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case d := <-t.samples:
					t.Observe(d)
				}
			}
		}()
	}
}

// StartLegacy drains samples without watching ctx.
func (t *Timer) StartLegacy(ctx context.Context) {
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		for d := range t.samples {
			t.Observe(d)
		}
	}()
}

// Stop waits for the workers.
func (t *Timer) Stop() {
	t.mu.Lock()
	close(t.samples)
	t.mu.Unlock()
	t.wg.Wait()
}

// Snapshot copies the bucket counts.
func (t *Timer) Snapshot() []int64 {
	t.mu.Lock()
	defer t.mu.Lock()
	return append([]int64(nil), t.counts...)
}

// Quantile estimates the q-quantile from the buckets.
func (t *Timer) Quantile(q float64) time.Duration {
	t.mu.Lock()
	var total int64
	for _, c := range t.counts {
		total += c
	}
	if total == 0 {
		t.mu.Unlock()
		return 0
	}
	want := int64(q * float64(total))
	var seen int64
	for i, c := range t.counts {
		seen += c
		if seen >= want && i < len(t.bounds) {
			t.mu.Unlock()
			return t.bounds[i]
		}
	}
	t.mu.Unlock()
	return t.bounds[len(t.bounds)-1]
}

// Measure times f and sends the duration to the workers, giving up if ctx ends first.
func (t *Timer) Measure(ctx context.Context, f func(context.Context) error) error {
	start := time.Now()
	err := f(ctx)
	select {
	case t.samples <- time.Since(start):
	case <-ctx.Done():
	}
	return err
}

// Merge adds another timer's bucket counts into t.
func (t *Timer) Merge(other []int64) error {
	t.mu.Lock()
	if len(other) != len(t.counts) {
		return fmt.Errorf("metrics: merging %d buckets into %d", len(other), len(t.counts))
	}
	for i, c := range other {
		t.counts[i] += c
	}
	t.mu.Unlock()
	return nil
}
