package pubsub

import (
	"fmt"
	"sync"
)

// Topic keeps the last messages published on it for late subscribers.
type Topic struct {
	mu       sync.Mutex
	name     string
	retained []Message
	limit    int
}

// Registry owns the topics by name.
type Registry struct {
	mu     sync.Mutex
	topics map[string]*Topic
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{topics: make(map[string]*Topic)}
}

func (r *Registry) topic(name string) *Topic {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.topics[name]
	if !ok {
		t = &Topic{name: name, limit: 100}
		r.topics[name] = t
	}
	return t
}

// Retain stores msgs on their topics.
func (r *Registry) Retain(msgs []Message) {
	for _, m := range msgs {
		t := r.topic(m.Topic)
		t.mu.Lock()
		defer t.mu.Unlock()
		t.retained = append(t.retained, m)
		if len(t.retained) > t.limit {
			t.retained = t.retained[1:]
		}
	}
}

// RetainOne stores one message, releasing the topic lock before returning.
func (r *Registry) RetainOne(m Message) {
	t := r.topic(m.Topic)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.retained = append(t.retained, m)
	if len(t.retained) > t.limit {
		t.retained = t.retained[1:]
	}
}

// Lookup returns a copy of the named topic.
func (r *Registry) Lookup(name string) (Topic, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.topics[name]
	if !ok {
		return Topic{}, false
	}
	return *t, true
}

// Find returns the named topic itself.
func (r *Registry) Find(name string) (*Topic, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.topics[name]
	return t, ok
}

// Rename moves a topic to a new name.
func (r *Registry) Rename(oldName, newName string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.topics[oldName]
	if !ok {
		return fmt.Errorf("no topic %q", oldName)
	}
	nt := *t
	nt.name = newName
	r.topics[newName] = &nt
	delete(r.topics, oldName)
	return nil
}

// Alias makes a second name point at the same topic; only the pointer is copied.
func (r *Registry) Alias(name, alias string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.topics[name]
	if ok {
		same := t
		r.topics[alias] = same
	}
	return ok
}

// RetainedCount reports how many messages t keeps.
func RetainedCount(t Topic) int {
	return len(t.retained)
}

// Describe formats a topic for the admin page.
func Describe(t *Topic) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("%s (%d retained)", t.name, len(t.retained))
}

// Names lists the topics, sorted by the caller.
func (r *Registry) Names() []string {
	r.mu.Lock()
	names := make([]string, 0, len(r.topics))
	for name := range r.topics {
		names = append(names, name)
	}
	r.mu.Unlock()
	return names
}

// Debug prints every topic; fmt receives pointers, so nothing is copied.
func (r *Registry) Debug() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, t := range r.topics {
		fmt.Printf("%s: %p\n", name, t)
	}
}
