// Package metrics keeps counters, gauges and histograms and exports them periodically.
package metrics

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Number is what a series can hold.
type Number interface {
	~int64 | ~float64
}

// Series is a named value guarded by its embedded mutex.
type Series[T Number] struct {
	sync.Mutex
	name    string
	value   T
	updated time.Time
}

// Add increments the series.
func (s *Series[T]) Add(d T) {
	s.Lock()
	s.value += d
	s.updated = time.Now()
	s.Unlock()
}

// Load reads the series.
func (s *Series[T]) Load() T {
	s.Lock()
	defer s.Unlock()
	return s.value
}

// Name is safe without the lock: it never changes.
func (s *Series[T]) Name() string { return s.name }

// labelled wraps a series with its labels; it holds the lock through the Series field.
type labelled struct {
	series Series[float64]
	labels map[string]string
}

// Registry holds every series.
type Registry struct {
	mu       sync.RWMutex
	counters map[string]*Series[int64]
	gauges   map[string]*Series[float64]
	tagged   []labelled
	sinks    []chan<- Sample
}

// Sample is one exported value.
type Sample struct {
	Name  string
	Value float64
	At    time.Time
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{counters: map[string]*Series[int64]{}, gauges: map[string]*Series[float64]{}}
}

// Counter returns the named counter, creating it on first use.
func (r *Registry) Counter(name string) *Series[int64] {
	r.mu.RLock()
	c, ok := r.counters[name]
	r.mu.RUnlock()
	if ok {
		return c
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.counters[name]; ok {
		return c
	}
	c = &Series[int64]{name: name}
	r.counters[name] = c
	return c
}

// Gauge returns the named gauge, or nil when create is false and it does not exist.
func (r *Registry) Gauge(name string, create bool) *Series[float64] {
	r.mu.Lock()
	g, ok := r.gauges[name]
	if ok {
		r.mu.Unlock()
		return g
	}
	if !create {
		return nil
	}
	g = &Series[float64]{name: name}
	r.gauges[name] = g
	r.mu.Unlock()
	return g
}

// Tag adds a labelled gauge.
func (r *Registry) Tag(name string, labels map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tagged = append(r.tagged, labelled{series: Series[float64]{name: name}, labels: labels})
}

// Tagged returns the labelled series matching key=value.
func (r *Registry) Tagged(key, value string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var names []string
	for _, l := range r.tagged {
		if l.labels[key] == value {
			names = append(names, l.series.name)
		}
	}
	return names
}

// TaggedNames is Tagged without copying the series.
func (r *Registry) TaggedNames(key, value string) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var names []string
	for i := range r.tagged {
		if l := &r.tagged[i]; l.labels[key] == value {
			names = append(names, l.series.name)
		}
	}
	return names
}

// Subscribe adds a sink that receives every exported sample.
func (r *Registry) Subscribe(ch chan<- Sample) {
	r.mu.Lock()
	r.sinks = append(r.sinks, ch)
	r.mu.Unlock()
}

// Collect gathers every series into samples, sorted by name.
func (r *Registry) Collect(now time.Time) []Sample {
	r.mu.RLock()
	out := make([]Sample, 0, len(r.counters)+len(r.gauges))
	for name, c := range r.counters {
		out = append(out, Sample{Name: name, Value: float64(c.Load()), At: now})
	}
	for name, g := range r.gauges {
		out = append(out, Sample{Name: name, Value: g.Load(), At: now})
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Export sends the samples to every sink.
func (r *Registry) Export(ctx context.Context, now time.Time) error {
	samples := r.Collect(now)
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, sink := range r.sinks {
		for _, s := range samples {
			select {
			case sink <- s:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Run exports every interval until ctx is done.
func (r *Registry) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-t.C:
			if err := r.Export(ctx, now); err != nil {
				return err
			}
		}
	}
}

// WriteTo prints the samples, one per line.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for _, s := range r.Collect(time.Now()) {
		k, err := fmt.Fprintf(w, "%s %g\n", s.Name, s.Value)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// Reset zeroes every counter.
func (r *Registry) Reset() {
	r.mu.RLock()
	for _, c := range r.counters {
		c.Lock()
		c.value = 0
		c.Unlock()
	}
	r.mu.RUnlock()
}

// Drop removes a counter.
func (r *Registry) Drop(name string) bool {
	r.mu.Lock()
	if _, ok := r.counters[name]; !ok {
		r.mu.RUnlock()
		return false
	}
	delete(r.counters, name)
	r.mu.Unlock()
	return true
}

// Barrier waits until no writer holds the registry.
func (r *Registry) Barrier() {
	r.mu.RLock()
	r.mu.RUnlock()
}

// Value reads a counter through its embedded lock.
func Value(s Series[int64]) int64 {
	return s.value
}
