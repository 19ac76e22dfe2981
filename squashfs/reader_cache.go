package squashfs

import (
	"container/list"
	"sync"
)

// readCache is a bounded least-recently-used cache that loads missing
// values once: concurrent gets of the same missing key wait for one load.
// Each value has a cost; the cache keeps the total at most maxCost (one
// value larger than that is still returned, just not kept).
type readCache[K comparable, V any] struct {
	// retain, when set, is called under the lock for each value handed
	// out; drop, when set, for each value the cache lets go of. They let a
	// cache of reference-counted values recycle them.
	retain, drop func(V)

	mu       sync.Mutex
	maxCost  int64
	cost     int64
	items    map[K]*list.Element
	order    list.List // front = most recently used; values are *cacheItem
	inflight map[K]*cacheCall[V]
}

type cacheItem[K comparable, V any] struct {
	key  K
	val  V
	cost int64
}

type cacheCall[V any] struct {
	done    chan struct{}
	waiters int // gets waiting for this load besides its caller
	val     V
	err     error
}

func newReadCache[K comparable, V any](maxCost int64) *readCache[K, V] {
	return &readCache[K, V]{
		maxCost:  maxCost,
		items:    make(map[K]*list.Element),
		inflight: make(map[K]*cacheCall[V]),
	}
}

// peek returns the cached value for key without loading it.
func (c *readCache[K, V]) peek(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		v := e.Value.(*cacheItem[K, V]).val
		if c.retain != nil {
			c.retain(v)
		}
		return v, true
	}
	var zero V
	return zero, false
}

// get returns the value for key, calling load at most once at a time per
// key when it is missing. Errors are not cached.
func (c *readCache[K, V]) get(key K, load func() (V, int64, error)) (V, error) {
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.order.MoveToFront(e)
		v := e.Value.(*cacheItem[K, V]).val
		if c.retain != nil {
			c.retain(v)
		}
		c.mu.Unlock()
		return v, nil
	}
	if call, ok := c.inflight[key]; ok {
		call.waiters++
		c.mu.Unlock()
		<-call.done
		return call.val, call.err
	}
	call := &cacheCall[V]{done: make(chan struct{})}
	c.inflight[key] = call
	c.mu.Unlock()

	v, cost, err := load()
	call.val, call.err = v, err

	var dropped []V
	c.mu.Lock()
	delete(c.inflight, key)
	if err == nil {
		if c.retain != nil {
			for range 1 + call.waiters {
				c.retain(v)
			}
		}
		if cost <= c.maxCost {
			c.items[key] = c.order.PushFront(&cacheItem[K, V]{key: key, val: v, cost: cost})
			c.cost += cost
			for c.cost > c.maxCost {
				last := c.order.Back()
				it := last.Value.(*cacheItem[K, V])
				c.order.Remove(last)
				delete(c.items, it.key)
				c.cost -= it.cost
				dropped = append(dropped, it.val)
			}
		} else {
			dropped = append(dropped, v)
		}
	}
	c.mu.Unlock()
	close(call.done)
	if c.drop != nil {
		for _, d := range dropped {
			c.drop(d)
		}
	}
	return v, err
}

// pending reports whether key is cached or being loaded.
func (c *readCache[K, V]) pending(key K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[key]
	_, loading := c.inflight[key]
	return ok || loading
}
