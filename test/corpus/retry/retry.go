// Package retry re-runs operations that fail with transient errors.
package retry

import (
	"context"
	"errors"
	"math/rand"
	"net"
	"os"
	"time"
)

// Policy says how often and how long to retry.
type Policy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
	Jitter   float64
}

// Default is a policy for calls to nearby services.
var Default = Policy{Attempts: 5, Base: 50 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.2}

// backoff has a value receiver: Policy is small and holds no lock.
func (p Policy) backoff(attempt int) time.Duration {
	d := p.Base << attempt
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	if p.Jitter > 0 {
		d += time.Duration(rand.Float64() * p.Jitter * float64(d))
	}
	return d
}

// Permanent wraps an error that must not be retried.
type Permanent struct{ Err error }

func (e *Permanent) Error() string { return e.Err.Error() }
func (e *Permanent) Unwrap() error { return e.Err }

// Retryable reports whether err is worth another attempt.
func Retryable(err error) bool {
	var perm *Permanent
	if errors.As(err, &perm) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Do runs op until it succeeds, fails permanently, runs out of attempts or ctx is done.
func Do(ctx context.Context, p Policy, op func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < p.Attempts; attempt++ {
		if err = op(ctx); err == nil || !Retryable(err) {
			return err
		}
		t := time.NewTimer(p.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return err
}

// DoSimple is the first version of Do, still used by the CLI.
func DoSimple(ctx context.Context, p Policy, op func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < p.Attempts; attempt++ {
		if err = op(ctx); err == nil {
			return nil
		}
		time.Sleep(p.backoff(attempt))
	}
	return err
}

// DoWithTimeout gives every attempt its own deadline.
func DoWithTimeout(ctx context.Context, p Policy, perTry time.Duration, op func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < p.Attempts; attempt++ {
		tctx, _ := context.WithTimeout(ctx, perTry)
		if err = op(tctx); err == nil || !Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.backoff(attempt)):
		}
	}
	return err
}

// DoWithTimeoutSafe cancels each attempt's context before the next one.
func DoWithTimeoutSafe(ctx context.Context, p Policy, perTry time.Duration, op func(context.Context) error) error {
	var err error
	for attempt := 0; attempt < p.Attempts; attempt++ {
		tctx, cancel := context.WithTimeout(ctx, perTry)
		err = op(tctx)
		cancel()
		if err == nil || !Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(p.backoff(attempt)):
		}
	}
	return err
}

// PollUntil calls cond every interval until it reports true.
func PollUntil(ctx context.Context, every time.Duration, cond func(context.Context) (bool, error)) error {
	for {
		ok, err := cond(context.Background())
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		time.Sleep(every)
	}
}

// PollTicker is PollUntil that stops with ctx.
func PollTicker(ctx context.Context, every time.Duration, cond func(context.Context) (bool, error)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if ok, err := cond(ctx); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Race runs every op and returns as soon as one succeeds.
func Race(ctx context.Context, ops ...func(context.Context) error) error {
	rctx, cancel := context.WithCancelCause(ctx)
	errc := make(chan error, len(ops))
	for _, op := range ops {
		go func(ctx context.Context) {
			errc <- op(ctx)
		}(rctx)
	}
	var errs []error
	for range ops {
		err := <-errc
		if err == nil {
			cancel(errors.New("another attempt succeeded"))
			return nil
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Hedge starts a second attempt when the first is slow and keeps the faster answer.
func Hedge(ctx context.Context, after time.Duration, op func(context.Context) (string, error)) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		v   string
		err error
	}
	out := make(chan result, 2)
	launch := func() {
		go func(ctx context.Context) {
			v, err := op(ctx)
			out <- result{v, err}
		}(ctx)
	}
	launch()
	select {
	case r := <-out:
		return r.v, r.err
	case <-time.After(after):
		launch()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	r := <-out
	return r.v, r.err
}

// WithBudget bounds a whole retry sequence; the caller cancels it.
func WithBudget(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// WaitForFile waits for a file written by another process at start-up.
func WaitForFile(path string, attempts int) bool {
	for i := 0; i < attempts; i++ {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
