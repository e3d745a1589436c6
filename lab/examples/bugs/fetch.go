// Package bugs is a sample workspace for Go Concurrency Lab: each function holds a
// concurrency bug the extension reports, with a quick fix where one exists.
package bugs

import (
	"fmt"
	"sync"
)

// FetchAll starts one goroutine per URL. Before Go 1.22 (this module says go 1.21) all of
// them share the loop variable u: closure/loopvar.
func FetchAll(urls []string) {
	var wg sync.WaitGroup
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Println("fetching", u)
		}()
		fmt.Println("started") // go vet's loopclosure misses the capture above because of this line
	}
	wg.Wait()
}

// FirstError returns before the goroutine has finished writing err: closure/shared-write.
func FirstError(work func() error) (err error) {
	go func() {
		err = work()
	}()
	return err
}

// Sum starts goroutines that all add to the same total without a lock: closure/shared-write.
func Sum(xs []int) int {
	total := 0
	var wg sync.WaitGroup
	for i := 0; i < len(xs); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			total += xs[i]
		}()
	}
	wg.Wait()
	return total
}
