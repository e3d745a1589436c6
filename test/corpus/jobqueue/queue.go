// Package jobqueue is a priority queue of jobs with leases, drained by workers.
package jobqueue

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"
)

// ErrEmpty is returned by TryPop on an empty queue.
var ErrEmpty = errors.New("jobqueue: empty")

// Job is one queued task.
type Job struct {
	ID       string
	Priority int
	Attempts int
	Run      func(context.Context) error
}

type jobHeap []*Job

func (h jobHeap) Len() int           { return len(h) }
func (h jobHeap) Less(i, j int) bool { return h[i].Priority > h[j].Priority }
func (h jobHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *jobHeap) Push(x any)        { *h = append(*h, x.(*Job)) }
func (h *jobHeap) Pop() any {
	old := *h
	n := len(old)
	j := old[n-1]
	*h = old[:n-1]
	return j
}

// counters holds the queue's statistics; it carries its own lock.
type counters struct {
	mu       sync.Mutex
	pushed   int
	done     int
	failures int
}

func (c *counters) add(pushed, done, failures int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pushed += pushed
	c.done += done
	c.failures += failures
}

// Report is a lock-free copy of the counters.
type Report struct {
	Pushed, Done, Failures, Pending int
}

// Queue is safe for concurrent use.
type Queue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	jobs   jobHeap
	leases map[string]time.Time
	stats  counters
	closed bool
	cancel context.CancelFunc
	ctx    context.Context
	wg     sync.WaitGroup
	logger *log.Logger
}

// New returns an empty queue whose workers stop when parent is cancelled or Close is called.
func New(parent context.Context, logger *log.Logger) *Queue {
	ctx, cancel := context.WithCancel(parent)
	q := &Queue{leases: make(map[string]time.Time), ctx: ctx, cancel: cancel, logger: logger}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// Lock and Unlock let callers batch several operations; they wrap the queue's mutex.
func (q *Queue) Lock()   { q.mu.Lock() }
func (q *Queue) Unlock() { q.mu.Unlock() }

// Push adds a job.
func (q *Queue) Push(j *Job) error {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return errors.New("jobqueue: closed")
	}
	heap.Push(&q.jobs, j)
	q.mu.Unlock()
	q.cond.Signal()
	q.stats.add(1, 0, 0)
	return nil
}

// PushLocked adds a job; the caller holds the lock through Lock.
func (q *Queue) PushLocked(j *Job) {
	heap.Push(&q.jobs, j)
	q.cond.Signal()
}

// Pop waits for a job.
func (q *Queue) Pop() (*Job, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.jobs) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil, false
	}
	j := heap.Pop(&q.jobs).(*Job)
	q.leases[j.ID] = time.Now()
	return j, true
}

// TryPop returns a job if one is ready.
func (q *Queue) TryPop() (*Job, error) {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return nil, errors.New("jobqueue: closed")
	case len(q.jobs) == 0:
		q.mu.Unlock()
		return nil, ErrEmpty
	default:
		j := heap.Pop(&q.jobs).(*Job)
		q.leases[j.ID] = time.Now()
		q.mu.Unlock()
		return j, nil
	}
}

// Ack ends a job's lease.
func (q *Queue) Ack(id string, err error) {
	func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.leases, id)
	}()
	if err != nil {
		q.stats.add(0, 0, 1)
		return
	}
	q.stats.add(0, 1, 0)
}

// Expire requeues jobs whose lease is older than ttl.
func (q *Queue) Expire(ttl time.Duration, lookup func(string) *Job) int {
	n := 0
	for _, id := range q.leasedIDs() {
		func() {
			q.mu.Lock()
			defer q.mu.Unlock()
			if t, ok := q.leases[id]; ok && time.Since(t) > ttl {
				delete(q.leases, id)
				if j := lookup(id); j != nil {
					heap.Push(&q.jobs, j)
					n++
				}
			}
		}()
	}
	return n
}

func (q *Queue) leasedIDs() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]string, 0, len(q.leases))
	for id := range q.leases {
		ids = append(ids, id)
	}
	return ids
}

// Drain removes every pending job, optionally under a lock the caller already holds.
func (q *Queue) Drain(callerLocked bool) []*Job {
	if !callerLocked {
		q.mu.Lock()
	}
	out := []*Job(q.jobs)
	q.jobs = nil
	if !callerLocked {
		q.mu.Unlock()
	}
	return out
}

// Report copies the counters.
func (q *Queue) Report() Report {
	q.stats.mu.Lock()
	r := Report{Pushed: q.stats.pushed, Done: q.stats.done, Failures: q.stats.failures}
	q.stats.mu.Unlock()
	q.mu.Lock()
	r.Pending = len(q.jobs)
	q.mu.Unlock()
	return r
}

// checkpoint is what a crash report records about the queue.
type checkpoint struct {
	stats   counters
	pending int
}

// Checkpoint saves the counters next to the pending count for a crash report.
func (q *Queue) Checkpoint() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	cp := checkpoint{stats: q.stats, pending: len(q.jobs)}
	return fmt.Sprintf("pushed=%d pending=%d", cp.stats.pushed, cp.pending)
}

// Close stops the workers and wakes every waiter.
func (q *Queue) Close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.cancel()
	q.cond.Broadcast()
	q.wg.Wait()
}
