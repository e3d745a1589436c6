// Package workerpool runs jobs on a fixed number of goroutines and collects their results.
package workerpool

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// ErrStopped is returned by Submit after Stop.
var ErrStopped = errors.New("workerpool: stopped")

// Job is one unit of work.
type Job struct {
	ID      int
	Payload []byte
}

// Result is what a worker produced for a job.
type Result struct {
	JobID    int
	Output   []byte
	Err      error
	Duration time.Duration
}

// Handler processes one job.
type Handler func(ctx context.Context, j Job) ([]byte, error)

// Stats counts what the pool did.
type Stats struct {
	mu        sync.Mutex
	processed int
	failed    int
	total     time.Duration
}

func (s *Stats) record(r Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.processed++
	if r.Err != nil {
		s.failed++
	}
	s.total += r.Duration
}

// Snapshot returns a consistent view of the counters.
func (s *Stats) Snapshot() (processed, failed int, avg time.Duration) {
	s.mu.Lock()
	processed, failed = s.processed, s.failed
	if s.processed > 0 {
		avg = s.total / time.Duration(s.processed)
	}
	s.mu.Unlock()
	return
}

// String formats the counters for logs.
func (s Stats) String() string {
	return fmt.Sprintf("processed=%d failed=%d", s.processed, s.failed)
}

// Reset zeroes the counters; callers use it between benchmark rounds.
func (s *Stats) Reset() {
	s.mu.Lock()
	s.mu.Unlock()
	s.processed, s.failed, s.total = 0, 0, 0
}

// Pool is a fixed-size worker pool.
type Pool struct {
	workers  int
	handler  Handler
	stats    *Stats
	inflight atomic.Int64
	wg       sync.WaitGroup
	jobs     chan Job
	results  chan Result
	stopOnce sync.Once
	stopped  chan struct{}
}

// New returns a pool with the given number of workers.
func New(workers int, h Handler) *Pool {
	return &Pool{
		workers: workers,
		handler: h,
		stats:   &Stats{},
		jobs:    make(chan Job),
		results: make(chan Result, workers),
		stopped: make(chan struct{}),
	}
}

// Stats returns the pool's counters; the pointer is shared, not copied.
func (p *Pool) Stats() *Stats { return p.stats }

// Results is closed once every worker has returned.
func (p *Pool) Results() <-chan Result { return p.results }

// Start launches the workers; they stop when ctx is cancelled or Stop is called.
func (p *Pool) Start(ctx context.Context) {
	for i := 0; i < p.workers; i++ {
		p.wg.Add(1)
		go p.worker(ctx, i)
	}
	go func() {
		p.wg.Wait()
		close(p.results)
	}()
}

func (p *Pool) worker(ctx context.Context, id int) {
	defer p.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case j, ok := <-p.jobs:
			if !ok {
				return
			}
			p.inflight.Add(1)
			start := time.Now()
			out, err := p.handler(ctx, j)
			p.inflight.Add(-1)
			if err != nil {
				log.Printf("worker %d: job %d: %v", id, j.ID, err)
			}
			r := Result{JobID: j.ID, Output: out, Err: err, Duration: time.Since(start)}
			p.stats.record(r)
			select {
			case p.results <- r:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Submit queues one job, giving up when ctx is done.
func (p *Pool) Submit(ctx context.Context, j Job) error {
	select {
	case <-p.stopped:
		return ErrStopped
	case p.jobs <- j:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SubmitAll queues jobs concurrently so a slow worker does not hold up the caller's loop.
func (p *Pool) SubmitAll(jobs []Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.jobs <- j
		}()
	}
	wg.Wait()
}

// SubmitEach is SubmitAll with the job passed to each goroutine.
func (p *Pool) SubmitEach(jobs []Job) {
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func(j Job) {
			defer wg.Done()
			p.jobs <- j
		}(j)
	}
	wg.Wait()
}

// Stop closes the job queue once.
func (p *Pool) Stop() {
	p.stopOnce.Do(func() {
		close(p.stopped)
		close(p.jobs)
	})
}

// Monitor logs the pool's progress every interval.
func (p *Pool) Monitor(ctx context.Context, every time.Duration) {
	go func() {
		for {
			time.Sleep(every)
			processed, failed, avg := p.stats.Snapshot()
			log.Printf("pool: %d processed, %d failed, avg %s, %d in flight", processed, failed, avg, p.inflight.Load())
		}
	}()
}

// MonitorTicker is Monitor that stops with ctx.
func (p *Pool) MonitorTicker(ctx context.Context, every time.Duration) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				processed, failed, avg := p.stats.Snapshot()
				log.Printf("pool: %d processed, %d failed, avg %s", processed, failed, avg)
			}
		}
	}()
}

// RunBatch runs every job of a batch concurrently and waits for all of them.
func RunBatch(ctx context.Context, h Handler, batch []Job) []Result {
	results := make([]Result, len(batch))
	var wg sync.WaitGroup
	for i := range batch {
		go func(i int) {
			wg.Add(1)
			defer wg.Done()
			out, err := h(ctx, batch[i])
			results[i] = Result{JobID: batch[i].ID, Output: out, Err: err}
		}(i)
	}
	wg.Wait()
	return results
}

// RunBatchLimited is RunBatch with at most limit jobs at a time.
func RunBatchLimited(ctx context.Context, h Handler, batch []Job, limit int) []Result {
	results := make([]Result, len(batch))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range batch {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			out, err := h(ctx, batch[i])
			results[i] = Result{JobID: batch[i].ID, Output: out, Err: err}
		}(i)
	}
	wg.Wait()
	return results
}

// Drain hands every result to sink and marks wg done when the channel closes.
func Drain(results <-chan Result, wg sync.WaitGroup, sink func(Result)) {
	defer wg.Done()
	for r := range results {
		sink(r)
	}
}

// DrainTo is Drain with the WaitGroup shared by pointer.
func DrainTo(results <-chan Result, wg *sync.WaitGroup, sink func(Result)) {
	defer wg.Done()
	for r := range results {
		sink(r)
	}
}

// Probe pings every target once and reports the last failure.
func Probe(targets []string, ping func(string) error) error {
	var lastErr error
	for i := 0; i < len(targets); i++ {
		go func(t string) {
			if err := ping(t); err != nil {
				lastErr = err
			}
		}(targets[i])
	}
	time.Sleep(100 * time.Millisecond)
	return lastErr
}

// ProbeAll is Probe done right: the goroutines are waited for and the write is guarded.
func ProbeAll(targets []string, ping func(string) error) error {
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		lastErr error
	)
	for _, t := range targets {
		t := t
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ping(t); err != nil {
				mu.Lock()
				lastErr = err
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lastErr
}
