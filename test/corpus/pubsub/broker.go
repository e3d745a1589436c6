// Package pubsub is an in-process message broker with topic subscriptions.
package pubsub

import (
	"context"
	"errors"
	"log"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by operations on a closed broker.
var ErrClosed = errors.New("pubsub: broker closed")

// Message is one published payload.
type Message struct {
	Topic   string
	Payload []byte
	At      time.Time
}

type subscriber struct {
	id     uint64
	ch     chan Message
	topics map[string]bool
}

// Broker fans published messages out to subscribers.
type Broker struct {
	mu      sync.RWMutex
	subs    map[uint64]*subscriber
	nextID  uint64
	closed  bool
	dropped atomic.Int64
}

// NewBroker returns an open broker.
func NewBroker() *Broker {
	return &Broker{subs: make(map[uint64]*subscriber)}
}

// Subscribe registers interest in topics and returns the id and the delivery channel.
func (b *Broker) Subscribe(topics ...string) (uint64, <-chan Message, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, nil, ErrClosed
	}
	b.nextID++
	s := &subscriber{id: b.nextID, ch: make(chan Message, 16), topics: make(map[string]bool)}
	for _, t := range topics {
		s.topics[t] = true
	}
	b.subs[s.id] = s
	return s.id, s.ch, nil
}

// Unsubscribe removes a subscriber and closes its channel.
func (b *Broker) Unsubscribe(id uint64) {
	b.mu.Lock()
	s, ok := b.subs[id]
	if !ok {
		b.mu.Unlock()
		return
	}
	delete(b.subs, id)
	b.mu.Unlock()
	close(s.ch)
}

// Publish delivers m to every subscriber of its topic, waiting for slow ones.
func (b *Broker) Publish(m Message) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, s := range b.subs {
		if s.topics[m.Topic] {
			s.ch <- m
			n++
		}
	}
	return n
}

// TryPublish delivers m without blocking; slow subscribers miss it.
func (b *Broker) TryPublish(m Message) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	n := 0
	for _, s := range b.subs {
		if !s.topics[m.Topic] {
			continue
		}
		select {
		case s.ch <- m:
			n++
		default:
			b.dropped.Add(1)
		}
	}
	return n
}

// PublishAsync copies the matching subscribers under the lock and sends after releasing it.
func (b *Broker) PublishAsync(ctx context.Context, m Message) error {
	b.mu.RLock()
	var targets []chan Message
	for _, s := range b.subs {
		if s.topics[m.Topic] {
			targets = append(targets, s.ch)
		}
	}
	b.mu.RUnlock()
	for _, ch := range targets {
		select {
		case ch <- m:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Subscribers counts the current subscribers.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.RUnlock()
	return len(b.subs)
}

// Dropped counts messages TryPublish dropped.
func (b *Broker) Dropped() int64 { return b.dropped.Load() }

// Close closes every subscriber channel.
func (b *Broker) Close() error {
	b.mu.Lock()
	switch {
	case b.closed:
		return ErrClosed
	case len(b.subs) > 0:
		for id, s := range b.subs {
			close(s.ch)
			delete(b.subs, id)
		}
	}
	b.closed = true
	b.mu.Unlock()
	return nil
}

// Run publishes messages from in until ctx is done, then closes the broker.
func (b *Broker) Run(ctx context.Context, in <-chan Message) {
	go func() {
		for {
			m, ok := <-in
			if !ok {
				return
			}
			b.Publish(m)
		}
	}()
	<-ctx.Done()
	if err := b.Close(); err != nil {
		log.Printf("close: %v", err)
	}
}

// Pump is Run that stops reading when ctx is done.
func (b *Broker) Pump(ctx context.Context, in <-chan Message) {
	go b.pump(ctx, in)
	<-ctx.Done()
}

func (b *Broker) pump(ctx context.Context, in <-chan Message) {
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-in:
			if !ok {
				return
			}
			b.TryPublish(m)
		}
	}
}

// Heartbeat publishes an empty message on topic every interval.
func (b *Broker) Heartbeat(ctx context.Context, topic string, every time.Duration) {
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				b.TryPublish(Message{Topic: topic, At: now})
			}
		}
	}()
}
