// Package slug turns titles into URL path segments and keeps them unique.
package slug

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// Make lower-cases s and joins its words with hyphens.
func Make(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// Registry hands out unique slugs.
type Registry struct {
	mu   sync.Mutex
	used map[string]int
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{used: make(map[string]int)}
}

// Unique returns Make(s), suffixed with a counter when already taken.
func (r *Registry) Unique(s string) string {
	base := Make(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.used[base]
	r.used[base] = n + 1
	if n == 0 {
		return base
	}
	return base + "-" + strconv.Itoa(n+1)
}

// Release frees a slug so it can be handed out again.
func (r *Registry) Release(slug string) {
	base, _, found := strings.Cut(slug, "-")
	if !found {
		base = slug
	}
	r.mu.Lock()
	if r.used[base] > 0 {
		r.used[base]--
	}
	r.mu.Unlock()
}

// Used counts the slugs handed out.
func (r *Registry) Used() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	total := 0
	for _, n := range r.used {
		total += n
	}
	return total
}
