package io.trellis.gateway.telemetry;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded queue that the request path offers to without ever waiting: no lock, so an event loop
 * never parks behind the thread that drains it (a {@code java.util.concurrent.ArrayBlockingQueue}
 * takes a lock on every offer, which its reader holds while it drains). Many threads offer, one
 * drains. The bound is kept by a count raised (never past the capacity) before an item goes in,
 * so the queue never holds more than its capacity.
 */
final class BoundedQueue<T> {

	private final ConcurrentLinkedQueue<T> items = new ConcurrentLinkedQueue<>();

	private final AtomicInteger size = new AtomicInteger();

	private final int capacity;

	BoundedQueue(int capacity) {
		if (capacity < 1) {
			throw new IllegalArgumentException("A queue holds at least one item, not " + capacity);
		}
		this.capacity = capacity;
	}

	/** Adds {@code item} unless the queue is full; never waits. */
	boolean offer(T item) {
		int held;
		do {
			held = this.size.get();
			if (held >= this.capacity) {
				return false;
			}
		}
		while (!this.size.compareAndSet(held, held + 1));
		this.items.offer(item);
		return true;
	}

	/** The oldest item, or null when there is none. */
	T poll() {
		T item = this.items.poll();
		if (item != null) {
			this.size.decrementAndGet();
		}
		return item;
	}

	/** Moves up to {@code max} of the oldest items into {@code into}; returns how many. */
	int drainTo(Collection<? super T> into, int max) {
		int moved = 0;
		while (moved < max) {
			T item = poll();
			if (item == null) {
				break;
			}
			into.add(item);
			moved++;
		}
		return moved;
	}

	int size() {
		return this.size.get();
	}

	boolean isEmpty() {
		return this.items.isEmpty();
	}

	/** Empties the queue; returns how many items were in it. */
	int clear() {
		int cleared = 0;
		while (poll() != null) {
			cleared++;
		}
		return cleared;
	}

}
