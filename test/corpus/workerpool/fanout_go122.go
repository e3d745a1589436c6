//go:build go1.22

package workerpool

import (
	"context"
	"sync"
)

// FanOut runs every job in its own goroutine. This file needs Go 1.22 per-iteration loop
// variables, hence the build constraint while the module still says go 1.21.
func FanOut(ctx context.Context, h Handler, jobs []Job) <-chan Result {
	out := make(chan Result, len(jobs))
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := h(ctx, j)
			out <- Result{JobID: j.ID, Output: b, Err: err}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// Each calls f on every job after the loop, in order.
func Each(jobs []Job, f func(Job)) {
	var deferred []func()
	for _, j := range jobs {
		deferred = append(deferred, func() { f(j) })
	}
	for _, d := range deferred {
		d()
	}
}
