package repo

// freeList keeps up to its capacity of items for reuse, making new ones
// when it is empty and dropping what is put back when it is full. Unlike
// a sync.Pool it is not emptied by each garbage collection: a backup's
// buffers are megabytes each, and making one again zeroes it and faults
// in its pages.
type freeList[T any] struct {
	items   chan T
	newItem func() T
}

func newFreeList[T any](capacity int, newItem func() T) *freeList[T] {
	return &freeList[T]{items: make(chan T, capacity), newItem: newItem}
}

func (f *freeList[T]) get() T {
	select {
	case it := <-f.items:
		return it
	default:
		return f.newItem()
	}
}

func (f *freeList[T]) put(it T) {
	select {
	case f.items <- it:
	default:
	}
}
