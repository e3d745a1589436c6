package bugs

import "sync"

// Hits counts requests per path. Record takes the lock; Total forgot to:
// "Go Lab: Run Race Detector in Container" (or the race (lab) CodeLens above
// TestHits) shows the race at both accesses.
type Hits struct {
	mu     sync.Mutex
	byPath map[string]int
	total  int
}

func NewHits() *Hits { return &Hits{byPath: map[string]int{}} }

func (h *Hits) Record(path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.byPath[path]++
	h.total++
}

func (h *Hits) Total() int {
	return h.total // read without h.mu: races with Record
}
