package dev.sqlitebackup.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Reads of a store run ahead of their use, a bounded number at a time, and handed over in order. A
 * bucket answers each request in tens of milliseconds, so a restore that reads its segments one
 * after the other spends most of its time waiting; with this it waits about once per
 * {@code concurrency} reads. With a concurrency of one it reads on the caller's thread, one at a time,
 * as a local directory needs.
 *
 * @param <T> what one read gives
 */
public final class ReadAhead<T> implements AutoCloseable {

	/** How many reads of a store that bills requests run at once. */
	public static final int REMOTE_CONCURRENCY = 8;

	private final @Nullable ExecutorService pool;

	private final Read<T> read;

	private final Consumer<T> discard;

	private final int concurrency;

	private final Deque<Future<T>> running = new ArrayDeque<>();

	private long next;

	private final long last;

	/**
	 * Reads for the indexes {@code first} to {@code last}, in that order.
	 * @param discard what to do with a result that was read but will not be used (close it)
	 */
	public ReadAhead(String name, int concurrency, long first, long last, Read<T> read, Consumer<T> discard) {
		this.concurrency = Math.max(1, concurrency);
		this.read = read;
		this.discard = discard;
		this.next = first;
		this.last = last;
		AtomicInteger threads = new AtomicInteger();
		this.pool = (this.concurrency > 1) ? Executors.newFixedThreadPool(this.concurrency, (work) -> {
			Thread thread = new Thread(work, name + "-" + threads.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}) : null;
	}

	/** Whether a read is left. */
	public boolean hasNext() {
		return !this.running.isEmpty() || this.next <= this.last;
	}

	/** The next result in order, once it is read; the reads after it go on meanwhile. */
	public T next() throws IOException {
		if (this.pool == null) {
			return this.read.read(this.next++);
		}
		while (this.running.size() < this.concurrency && this.next <= this.last) {
			long index = this.next++;
			this.running.add(this.pool.submit(() -> this.read.read(index)));
		}
		Future<T> first = this.running.poll();
		if (first == null) {
			throw new IllegalStateException("No read is left");
		}
		return await(first);
	}

	/** Stops the reads not handed over yet, and discards what they read. */
	@Override
	public void close() {
		if (this.pool == null) {
			return;
		}
		this.pool.shutdown();
		for (Future<T> pending : this.running) {
			try {
				T result = pending.get();
				if (result != null) {
					this.discard.accept(result);
				}
			}
			catch (ExecutionException | CancellationException ex) {
				// Nobody waits for it.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		this.running.clear();
		this.pool.shutdownNow();
	}

	private static <T> T await(Future<T> future) throws IOException {
		try {
			return future.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted while reading the store", ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			if (cause instanceof IOException io) {
				throw io;
			}
			if (cause instanceof UncheckedIOException unchecked) {
				throw unchecked.getCause();
			}
			if (cause instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (cause instanceof Error error) {
				throw error;
			}
			throw new IOException(cause);
		}
	}

	/**
	 * One read.
	 *
	 * @param <T> what it gives
	 */
	@FunctionalInterface
	public interface Read<T> {

		T read(long index) throws IOException;

	}

}
