// Package connpool keeps a bounded set of TCP connections to one address.
package connpool

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// ErrClosed is returned by Get after Close.
var ErrClosed = errors.New("connpool: closed")

// Config sets the pool's limits; it holds no lock and is passed by value freely.
type Config struct {
	Addr        string
	MaxIdle     int
	MaxOpen     int
	DialTimeout time.Duration
	IdleTimeout time.Duration
}

// Conn is a pooled connection.
type Conn struct {
	net.Conn
	id       int
	created  time.Time
	lastUsed time.Time
}

// Pool hands out connections.
type Pool struct {
	cfg    Config
	mu     sync.Mutex
	cond   *sync.Cond
	idle   []*Conn
	open   int
	closed bool
	dialer net.Dialer
	nextID int
}

// New returns an empty pool.
func New(cfg Config) *Pool {
	p := &Pool{cfg: cfg, dialer: net.Dialer{Timeout: cfg.DialTimeout}}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// Config returns the pool's settings.
func (p *Pool) Config() Config {
	return p.cfg
}

func (p *Pool) newConn(c net.Conn) *Conn {
	p.mu.Lock()
	p.nextID++
	id := p.nextID
	p.mu.Unlock()
	now := time.Now()
	return &Conn{Conn: c, id: id, created: now, lastUsed: now}
}

// dial opens a connection with the pool's dialer and the caller's context.
func (p *Pool) dial(ctx context.Context) (*Conn, error) {
	c, err := p.dialer.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", p.cfg.Addr, err)
	}
	return p.newConn(c), nil
}

// dialDirect is the old dial path kept for the fallback address.
func (p *Pool) dialDirect(ctx context.Context, addr string) (*Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		c.Close()
		return nil, err
	}
	return p.newConn(c), nil
}

// dialVia dials through a dialer bound to a local address.
func (p *Pool) dialVia(ctx context.Context, local net.Addr) (*Conn, error) {
	d := &net.Dialer{LocalAddr: local, Timeout: p.cfg.DialTimeout}
	c, err := d.Dial("tcp", p.cfg.Addr)
	if err != nil {
		return nil, err
	}
	return p.newConn(c), nil
}

// Resolve looks up the pool's host with the caller's context.
func (p *Pool) Resolve(ctx context.Context) ([]string, error) {
	host, _, err := net.SplitHostPort(p.cfg.Addr)
	if err != nil {
		return nil, err
	}
	return net.DefaultResolver.LookupHost(ctx, host)
}

// Get returns an idle connection or dials a new one, waiting while MaxOpen are in use.
func (p *Pool) Get(ctx context.Context) (*Conn, error) {
	p.mu.Lock()
	for {
		if p.closed {
			p.mu.Unlock()
			return nil, ErrClosed
		}
		if n := len(p.idle); n > 0 {
			c := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			return c, nil
		}
		if p.open < p.cfg.MaxOpen {
			p.open++
			p.mu.Unlock()
			c, err := p.dial(ctx)
			if err != nil {
				p.mu.Lock()
				p.open--
				p.mu.Unlock()
				p.cond.Signal()
				return nil, err
			}
			return c, nil
		}
		p.cond.Wait()
	}
}

// Put returns a connection to the pool.
func (p *Pool) Put(c *Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.idle) >= p.cfg.MaxIdle {
		p.discard(c)
		return
	}
	c.lastUsed = time.Now()
	p.idle = append(p.idle, c)
	p.cond.Signal()
}

// discard closes c and frees its slot.
func (p *Pool) discard(c *Conn) {
	p.mu.Lock()
	p.open--
	p.mu.Unlock()
	c.Close()
	p.cond.Signal()
}

// Release is Put for connections that saw an error: they are closed, not reused.
func (p *Pool) Release(c *Conn, err error) {
	if err == nil {
		p.Put(c)
		return
	}
	p.discard(c)
}

// HealthCheck borrows a connection and writes a ping on it.
func (p *Pool) HealthCheck(ctx context.Context) error {
	hctx, cancel := context.WithDeadline(ctx, time.Now().Add(p.cfg.DialTimeout))
	c, err := p.Get(hctx)
	if err != nil {
		return err
	}
	defer p.Put(c)
	if d, ok := hctx.Deadline(); ok {
		_ = c.SetDeadline(d)
	}
	_, err = c.Write([]byte("PING\r\n"))
	cancel()
	return err
}

// Borrow runs f with a connection under a deadline that is always released.
func (p *Pool) Borrow(ctx context.Context, f func(*Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	c, err := p.Get(ctx)
	if err != nil {
		return err
	}
	err = f(c)
	p.Release(c, err)
	return err
}

// Close closes idle connections and wakes every waiter.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return ErrClosed
	}
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		c.Close()
	}
	p.cond.Broadcast()
	p.mu.Unlock()
	return nil
}

func (p *Pool) snapshotIdle() []*Conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*Conn(nil), p.idle...)
}

// removeIdle must be called with p.mu held.
func (p *Pool) removeIdle(c *Conn) bool {
	for i, x := range p.idle {
		if x == c {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			return true
		}
	}
	return false
}

// reap closes connections idle for longer than IdleTimeout.
func (p *Pool) reap(now time.Time) int {
	n := 0
	for _, c := range p.snapshotIdle() {
		if now.Sub(c.lastUsed) < p.cfg.IdleTimeout {
			continue
		}
		p.mu.Lock()
		if !p.removeIdle(c) {
			continue
		}
		p.open--
		p.mu.Unlock()
		c.Close()
		n++
	}
	return n
}

// Janitor reaps idle connections until ctx is done.
func (p *Pool) Janitor(ctx context.Context) {
	go func(ctx context.Context) {
		t := time.NewTicker(p.cfg.IdleTimeout / 2)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				p.reap(now)
			}
		}
	}(ctx)
}

// Watch logs the pool size whenever a connection is returned.
func (p *Pool) Watch(ctx context.Context, returned <-chan *Conn) {
	go func() {
		c := <-returned
		p.mu.Lock()
		open, idle := p.open, len(p.idle)
		p.mu.Unlock()
		fmt.Printf("conn %d back: %d open, %d idle\n", c.id, open, idle)
	}()
}

// String describes the pool for logs.
func (p *Pool) String() string {
	cp := *p
	return fmt.Sprintf("pool(%s open=%d idle=%d)", cp.cfg.Addr, cp.open, len(cp.idle))
}

// Describe is String reading under the lock; cfg is copied, which is fine.
func (p *Pool) Describe() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	cfg := p.cfg
	return fmt.Sprintf("pool(%s open=%d idle=%d max=%d)", cfg.Addr, p.open, len(p.idle), cfg.MaxOpen)
}

// Ping dials the configured address once, outside any request.
func Ping(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// DefaultConfig returns settings suitable for a local service.
func DefaultConfig(addr string) Config {
	cfg := Config{Addr: addr, MaxIdle: 4, MaxOpen: 16, DialTimeout: time.Second, IdleTimeout: time.Minute}
	return cfg
}
