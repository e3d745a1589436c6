package jobqueue

import "context"

// runUnlocked is called with q.mu held: it releases the lock while the job runs and takes
// it back before returning to the caller, which still expects to hold it.
func (q *Queue) runUnlocked(ctx context.Context, j *Job) error {
	q.mu.Unlock()
	defer q.mu.Lock()
	return j.Run(ctx)
}

// RunNext pops and runs one job while holding the lock only around the queue operations.
func (q *Queue) RunNext(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) == 0 {
		return ErrEmpty
	}
	j := q.jobs[len(q.jobs)-1]
	q.jobs = q.jobs[:len(q.jobs)-1]
	return q.runUnlocked(ctx, j)
}

// Forward copies items from in to the queue until ctx's done channel closes.
func (q *Queue) Forward(ctx context.Context, in <-chan *Job) {
	done := ctx.Done()
	go func() {
		for {
			select {
			case <-done:
				return
			case j, ok := <-in:
				if !ok {
					return
				}
				_ = q.Push(j)
			}
		}
	}()
}
