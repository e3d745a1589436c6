package bugs

import (
	"sync"
	"testing"
)

func TestHits(t *testing.T) {
	h := NewHits()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.Record("/")
			_ = h.Total()
		}()
	}
	wg.Wait()
	if h.Total() != 4 {
		t.Fatalf("total %d", h.Total())
	}
}
