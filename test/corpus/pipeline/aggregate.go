package pipeline

import "sync"

// Aggregator sums values per key from many goroutines.
type Aggregator struct {
	mu   sync.Mutex
	wg   sync.WaitGroup
	sums map[string]float64
	seen int
}

// NewAggregator returns an empty aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{sums: make(map[string]float64)}
}

// Add folds r in asynchronously.
func (a *Aggregator) Add(r Record) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		a.mu.Lock()
		a.sums[r.Key] += r.Value
		a.seen++
		a.mu.Unlock()
	}()
}

// Result waits for pending adds and returns a copy of the sums.
func (a *Aggregator) Result() map[string]float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wg.Wait()
	out := make(map[string]float64, len(a.sums))
	for k, v := range a.sums {
		out[k] = v
	}
	return out
}

// ResultAfterWait waits first, then takes the lock.
func (a *Aggregator) ResultAfterWait() map[string]float64 {
	a.wg.Wait()
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]float64, len(a.sums))
	for k, v := range a.sums {
		out[k] = v
	}
	return out
}

// Consume folds records from in until it is closed.
func (a *Aggregator) Consume(in <-chan Record) {
	for {
		a.mu.Lock()
		r, ok := <-in
		if !ok {
			a.mu.Unlock()
			return
		}
		a.sums[r.Key] += r.Value
		a.seen++
		a.mu.Unlock()
	}
}

// ConsumeAll receives outside the lock.
func (a *Aggregator) ConsumeAll(in <-chan Record) {
	for r := range in {
		a.mu.Lock()
		a.sums[r.Key] += r.Value
		a.seen++
		a.mu.Unlock()
	}
}

// Merge folds other into a; other is passed by pointer so its lock is not copied.
func (a *Aggregator) Merge(other *Aggregator) {
	other.mu.Lock()
	snapshot := make(map[string]float64, len(other.sums))
	for k, v := range other.sums {
		snapshot[k] = v
	}
	other.mu.Unlock()
	a.mu.Lock()
	for k, v := range snapshot {
		a.sums[k] += v
	}
	a.mu.Unlock()
}
