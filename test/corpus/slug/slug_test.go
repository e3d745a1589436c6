package slug

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var makeTests = []struct {
	name, in, want string
}{
	{"empty", "", ""},
	{"words", "Hello World", "hello-world"},
	{"punctuation", "Go: the good parts!", "go-the-good-parts"},
	{"digits", "Top 10 tips", "top-10-tips"},
	{"unicode", "Crème brûlée", "crème-brûlée"},
}

func TestMake(t *testing.T) {
	for _, tc := range makeTests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Make(tc.in); got != tc.want {
				t.Errorf("Make(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMakeCopied(t *testing.T) {
	for _, tc := range makeTests {
		tc := tc
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Make(tc.in); got != tc.want {
				t.Errorf("Make(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMakeSerial(t *testing.T) {
	for _, tc := range makeTests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Make(tc.in); got != tc.want {
				t.Errorf("Make(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMakeIndexed(t *testing.T) {
	for i := range makeTests {
		i := i
		t.Run(makeTests[i].name, func(t *testing.T) {
			t.Parallel()
			tc := makeTests[i]
			if got := Make(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUniqueConcurrent(t *testing.T) {
	r := NewRegistry()
	results := make([]string, 50)
	var wg sync.WaitGroup
	for i := 0; i < len(results); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.Unique("post")
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, s := range results {
		if seen[s] {
			t.Fatalf("duplicate slug %q", s)
		}
		seen[s] = true
	}
}

func TestUniqueConcurrentArg(t *testing.T) {
	r := NewRegistry()
	results := make([]string, 50)
	var wg sync.WaitGroup
	for i := 0; i < len(results); i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = r.Unique("post")
		}(i)
	}
	wg.Wait()
	if got := r.Used(); got != 50 {
		t.Fatalf("Used() = %d, want 50", got)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	names := []string{"a.txt", "b.txt", "c.txt"}
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(Make(name)), 0o600); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				t.Log(err)
			}
		}()
	}
}

func TestLengths(t *testing.T) {
	var checks []func() error
	for _, n := range []int{1, 2, 3} {
		checks = append(checks, func() error {
			if got := Make(strings.Repeat("a ", n)); len(got) != 2*n-1 {
				t.Errorf("n=%d: %q", n, got)
			}
			return nil
		})
	}
	for _, check := range checks {
		_ = check()
	}
}

func TestLengthsNow(t *testing.T) {
	for _, n := range []int{1, 2, 3} {
		check := func() {
			if got := Make(strings.Repeat("a ", n)); len(got) != 2*n-1 {
				t.Errorf("n=%d: %q", n, got)
			}
		}
		check()
	}
}

func TestAsyncRelease(t *testing.T) {
	r := NewRegistry()
	s := r.Unique("hello")
	released := false
	go func() {
		r.Release(s)
		released = true
	}()
	time.Sleep(10 * time.Millisecond)
	if !released {
		t.Skip("release did not run in time")
	}
}

func TestAsyncReleaseWait(t *testing.T) {
	r := NewRegistry()
	s := r.Unique("hello")
	done := make(chan struct{})
	released := false
	go func() {
		defer close(done)
		r.Release(s)
		released = true
	}()
	<-done
	if !released {
		t.Fatal("not released")
	}
}

func TestWithDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r := NewRegistry()
	for i := 0; i < 3; i++ {
		if ctx.Err() != nil {
			t.Fatal(ctx.Err())
		}
		r.Unique("x")
	}
}
