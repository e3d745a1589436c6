// Package pipeline parses metric lines in stages connected by channels.
package pipeline

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"example.com/pipeline/internal/group"
)

// Record is one parsed metric.
type Record struct {
	Key   string
	Value float64
}

// Parse reads "key=value".
func Parse(line string) (Record, error) {
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return Record{}, fmt.Errorf("no '=' in %q", line)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return Record{}, err
	}
	return Record{Key: strings.TrimSpace(k), Value: f}, nil
}

// Source emits lines until they run out or ctx is done.
func Source(ctx context.Context, lines []string) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		for _, l := range lines {
			select {
			case out <- l:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// Transform applies f to every line.
func Transform(ctx context.Context, in <-chan string, f func(string) (Record, error)) <-chan Record {
	out := make(chan Record)
	go func() {
		defer close(out)
		for {
			l, ok := <-in
			if !ok {
				return
			}
			r, err := f(l)
			if err != nil {
				continue
			}
			out <- r
		}
	}()
	return out
}

// TransformCtx is Transform that stops with ctx.
func TransformCtx(ctx context.Context, in <-chan string, f func(string) (Record, error)) <-chan Record {
	out := make(chan Record)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case l, ok := <-in:
				if !ok {
					return
				}
				if r, err := f(l); err == nil {
					select {
					case out <- r:
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return out
}

// Merge fans several record channels into one.
func Merge(ctx context.Context, ins ...<-chan Record) <-chan Record {
	out := make(chan Record)
	var wg sync.WaitGroup
	wg.Add(len(ins))
	for _, in := range ins {
		go func(in <-chan Record) {
			defer wg.Done()
			for r := range in {
				select {
				case out <- r:
				case <-ctx.Done():
					return
				}
			}
		}(in)
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

// ProcessFiles loads every path concurrently and concatenates the records.
func ProcessFiles(ctx context.Context, paths []string, load func(context.Context, string) ([]Record, error)) ([]Record, error) {
	g, gctx := group.WithContext(ctx)
	var mu sync.Mutex
	var all []Record
	for _, p := range paths {
		g.Go(func() error {
			recs, err := load(gctx, p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			mu.Lock()
			all = append(all, recs...)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return all, nil
}

// ProcessFilesOrdered keeps the input order by writing into a slot per path.
func ProcessFilesOrdered(ctx context.Context, paths []string, load func(context.Context, string) ([]Record, error)) ([][]Record, error) {
	g, gctx := group.WithContext(ctx)
	out := make([][]Record, len(paths))
	for i, p := range paths {
		i, p := i, p
		g.Go(func() error {
			recs, err := load(gctx, p)
			out[i] = recs
			return err
		})
	}
	return out, g.Wait()
}

// Validate runs check on every record in the background and reports whether one failed.
func Validate(recs []Record, check func(Record) bool) bool {
	failed := false
	for i := 0; i < len(recs); i++ {
		go func(r Record) {
			if !check(r) {
				failed = true
			}
		}(recs[i])
	}
	return failed
}

// Fanout delivers records to sink from n goroutines.
func Fanout(ctx context.Context, in <-chan Record, n int, sink func(Record)) {
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		go func() {
			wg.Add(1)
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case r, ok := <-in:
					if !ok {
						return
					}
					sink(r)
				}
			}
		}()
	}
	wg.Wait()
}

// CountAll counts the records of every path; the group's Wait orders the writes before the reads.
func CountAll(ctx context.Context, paths []string, load func(context.Context, string) ([]Record, error)) (int, int, error) {
	g, gctx := group.WithContext(ctx)
	var first, rest int
	g.Go(func() error {
		if len(paths) == 0 {
			return nil
		}
		recs, err := load(gctx, paths[0])
		first = len(recs)
		return err
	})
	g.Go(func() error {
		for _, p := range paths[1:] {
			recs, err := load(gctx, p)
			if err != nil {
				return err
			}
			rest += len(recs)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return 0, 0, err
	}
	return first, rest, nil
}

// SortedKeys sorts in place; the comparison closure runs inside the iteration.
func SortedKeys(groups [][]Record) [][]string {
	out := make([][]string, 0, len(groups))
	for _, recs := range groups {
		keys := make([]string, len(recs))
		for i := range recs {
			keys[i] = recs[i].Key
		}
		sortStrings(keys, func(a, b string) bool { return len(recs) > 0 && a < b })
		out = append(out, keys)
	}
	return out
}

func sortStrings(s []string, less func(a, b string) bool) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && less(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// Spawn starts one goroutine per record with a per-iteration copy of a different name.
func Spawn(recs []Record, sink func(Record)) {
	var wg sync.WaitGroup
	for _, r := range recs {
		rec := r
		wg.Add(1)
		go func() {
			defer wg.Done()
			sink(rec)
		}()
	}
	wg.Wait()
}
