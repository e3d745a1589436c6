package jobqueue

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Start runs n workers until the queue is closed.
func (q *Queue) Start(n int) {
	for i := range n {
		q.wg.Go(func() {
			q.work(q.ctx, i)
		})
	}
	q.wg.Go(func() {
		<-q.ctx.Done()
		q.cond.Broadcast()
	})
}

func (q *Queue) work(ctx context.Context, id int) {
	for {
		j, ok := q.Pop()
		if !ok {
			return
		}
		err := q.runOne(ctx, j)
		if err != nil {
			q.logger.Printf("worker %d: job %s: %v", id, j.ID, err)
		}
		q.Ack(j.ID, err)
	}
}

// runOne gives each attempt a deadline and always releases it.
func (q *Queue) runOne(ctx context.Context, j *Job) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return j.Run(ctx)
}

// RunAll runs jobs concurrently, each with its own goroutine and the loop variable of its
// own iteration (Go 1.22 semantics).
func RunAll(ctx context.Context, jobs []*Job) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := j.Run(ctx); err != nil {
				errs[i] = fmt.Errorf("%s: %w", j.ID, err)
				cancel(err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Batch holds the queue lock across several pushes through the exported wrappers.
func Batch(q *Queue, jobs []*Job) {
	q.Lock()
	defer q.Unlock()
	for _, j := range jobs {
		q.PushLocked(j)
	}
}

// Scheduler pushes jobs at fixed times.
type Scheduler struct {
	q     *Queue
	ctx   context.Context
	mu    sync.Mutex
	timer map[string]*time.Timer
}

// NewScheduler keeps ctx to stop timers it creates later.
func NewScheduler(ctx context.Context, q *Queue) *Scheduler {
	return &Scheduler{q: q, ctx: ctx, timer: make(map[string]*time.Timer)}
}

// At pushes j at t.
func (s *Scheduler) At(t time.Time, j *Job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.timer[j.ID] = time.AfterFunc(time.Until(t), func() {
		if s.ctx.Err() == nil {
			_ = s.q.Push(j)
		}
	})
}

// Loop pushes a job every interval until the scheduler's context ends.
func (s *Scheduler) Loop(every time.Duration, make func() *Job) {
	go func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(every):
				_ = s.q.Push(make())
			}
		}
	}(s.ctx)
}

// Pending waits for the scheduled jobs to be queued; it reads the queue under its lock.
func (s *Scheduler) Pending(ctx context.Context) int {
	done := make(chan int, 1)
	go func(ctx context.Context) {
		select {
		case <-ctx.Done():
			done <- -1
		case <-time.After(10 * time.Millisecond):
			s.q.mu.Lock()
			n := len(s.q.jobs)
			s.q.mu.Unlock()
			done <- n
		}
	}(ctx)
	return <-done
}
