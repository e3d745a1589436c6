// Package ratelimit implements a token bucket and a per-key limiter on top of it.
package ratelimit

import (
	"context"
	"errors"
	"math"
	"sync"
	"time"
)

// ErrBurst is returned when a request asks for more tokens than the bucket holds.
var ErrBurst = errors.New("ratelimit: n exceeds burst")

// Limiter is a token bucket refilled at rate tokens per second.
type Limiter struct {
	mu      sync.Mutex
	rate    float64
	burst   float64
	tokens  float64
	last    time.Time
	changed chan struct{}
}

// New returns a full bucket.
func New(rate float64, burst int) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now(), changed: make(chan struct{}, 1)}
}

// refill must be called with l.mu held.
func (l *Limiter) refill(now time.Time) {
	elapsed := now.Sub(l.last).Seconds()
	l.last = now
	l.tokens = math.Min(l.burst, l.tokens+elapsed*l.rate)
}

// Allow takes one token if available.
func (l *Limiter) Allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(time.Now())
	if l.tokens >= 1 {
		l.tokens--
		return true
	}
	return false
}

func (l *Limiter) interval() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return time.Second
	}
	return time.Duration(float64(time.Second) / l.rate)
}

// Wait blocks until a token is available or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := time.Now()
		l.refill(now)
		if l.tokens >= 1 {
			l.tokens--
			l.mu.Unlock()
			return nil
		}
		need := time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
		l.mu.Unlock()
		t := time.NewTimer(need)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-l.changed:
			t.Stop()
		}
	}
}

// WaitN waits for n tokens, one at a time.
func (l *Limiter) WaitN(ctx context.Context, n int) error {
	if float64(n) > l.burst {
		return ErrBurst
	}
	for i := 0; i < n; i++ {
		for !l.Allow() {
			time.Sleep(l.interval())
		}
	}
	return ctx.Err()
}

// WaitPoll polls for a token but gives up as soon as ctx is done.
func (l *Limiter) WaitPoll(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if l.Allow() {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Reserve takes n tokens, going into debt, and returns how long the caller should wait.
func (l *Limiter) Reserve(n int) time.Duration {
	var wait time.Duration
	for i := 0; i < n; i++ {
		l.mu.Lock()
		l.refill(time.Now())
		if l.tokens >= 1 {
			l.tokens--
			continue
		}
		wait += time.Duration(float64(time.Second) / l.rate)
		l.tokens--
		l.mu.Unlock()
	}
	return wait
}

// SetRate changes the refill rate and wakes waiters.
func (l *Limiter) SetRate(r float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(time.Now())
	l.rate = r
	l.changed <- struct{}{}
}

// SetBurst changes the bucket size and wakes a waiter if one is parked.
func (l *Limiter) SetBurst(b int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.burst = float64(b)
	if l.tokens > l.burst {
		l.tokens = l.burst
	}
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// Adjust lets f compute a new rate from the current one.
func (l *Limiter) Adjust(f func(float64) (float64, error)) error {
	l.mu.Lock()
	r, err := f(l.rate)
	l.mu.Unlock()
	if err != nil {
		l.mu.Unlock()
		return err
	}
	l.mu.Lock()
	l.rate = r
	l.mu.Unlock()
	return nil
}

// Tokens reports the tokens available now.
func (l *Limiter) Tokens() float64 {
	l.mu.Lock()
	defer l.mu.Lock()
	l.refill(time.Now())
	return l.tokens
}
