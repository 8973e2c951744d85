package analysis

import (
	"context"
	"fmt"
	"sync"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/supply"
)

// networkCache keeps the M-network of each mineral, with the database version it was read at:
// the analyses of one mineral run many max-flows over the same network, and reading it is most
// of a cold request's time. An entry serves a request only when the request's own first read
// (the lookup of its ids) saw that same version, so an answer never comes from an older graph
// than the one that lookup saw; otherwise the network is read again, after that version (on a
// cluster, from a member that has caught up with it). Concurrent requests for a missing
// network share one read, which goes on when one of them gives up at its own deadline; entries
// beyond the memory budget are dropped, least recently used first.
type networkCache struct {
	store   Store
	slots   supply.Slots
	budget  int64
	mu      sync.Mutex
	entries map[string]*networkEntry
	tick    int64
}

type networkEntry struct {
	version mineralmap.Version
	ready   chan struct{} // closed once net or err is set
	net     *supply.Layers
	err     error
	used    int64
}

func newNetworkCache(store Store, budget int64, slots supply.Slots) *networkCache {
	return &networkCache{store: store, slots: slots, budget: budget, entries: map[string]*networkEntry{}}
}

func (c *networkCache) get(ctx context.Context, version mineralmap.Version, mineral string) (*supply.Layers, error) {
	c.mu.Lock()
	e, ok := c.entries[mineral]
	if !ok || version == "" || e.version != version {
		e = &networkEntry{version: version, ready: make(chan struct{})}
		c.entries[mineral] = e
		// The read is shared: one waiter giving up must not fail the others, so it runs on
		// its own, under the store's scan budget.
		go c.read(context.WithoutCancel(ctx), e, mineral)
	}
	c.tick++
	e.used = c.tick
	c.mu.Unlock()
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, &mineralmap.Error{Kind: mineralmap.KindTimeout, Message: fmt.Sprintf("reading the %s network: %v", mineral, ctx.Err()), Err: ctx.Err()}
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.net, nil
}

func (c *networkCache) read(ctx context.Context, e *networkEntry, mineral string) {
	// A panic here would kill the process (no request's recovery runs on this goroutine) and
	// leave the waiters waiting: it becomes the entry's error instead.
	defer func() {
		if r := recover(); r != nil {
			e.net, e.err = nil, &mineralmap.Error{Kind: mineralmap.KindInternal, Message: fmt.Sprintf("reading the %s network: panic: %v", mineral, r)}
			c.settle(e, mineral)
		}
	}()
	stored, err := c.store.Network(ctx, e.version, mineral)
	if err == nil {
		if e.net, err = supply.NewLayers(stored, c.slots); err != nil {
			err = &mineralmap.Error{Kind: mineralmap.KindInternal, Message: err.Error()}
		}
	}
	e.err = err
	c.settle(e, mineral)
}

// settle publishes e's outcome; a failed read is dropped so that the next request reads again.
// It is dropped before the waiters wake, so that none of them, asking again, finds it.
func (c *networkCache) settle(e *networkEntry, mineral string) {
	if e.err != nil {
		c.mu.Lock()
		if c.entries[mineral] == e {
			delete(c.entries, mineral)
		}
		c.mu.Unlock()
	}
	close(e.ready)
}

// trim drops the least recently used networks until the rest fit the budget.
func (c *networkCache) trim() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		var total int64
		var oldest string
		var oldestUsed int64 = -1
		for k, e := range c.entries {
			select {
			case <-e.ready:
			default:
				continue // still being read
			}
			if e.net == nil {
				continue
			}
			total += e.net.Bytes()
			if oldestUsed < 0 || e.used < oldestUsed {
				oldest, oldestUsed = k, e.used
			}
		}
		if total <= c.budget || oldestUsed < 0 {
			return
		}
		delete(c.entries, oldest)
	}
}
