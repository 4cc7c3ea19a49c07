package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StoredLease;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.engine.EngineContext;

/**
 * This process's lease on one database's continuous backup in the store: taken when it is free
 * (none yet, released, lapsed, or its holder on this host is gone) under an epoch one higher than
 * the last, renewed every third of its duration, given up at once when a renewal finds that
 * another process took it or when it cannot be renewed before it lapses, and released on a clean
 * stop so that the next holder need not wait. Every write is a compare-and-swap on the store, so of
 * two processes that find it free only one takes it.
 */
public final class CaptureLease {

	private static final Logger logger = LoggerFactory.getLogger(CaptureLease.class);

	private final EngineContext context;

	private final String database;

	private final Duration duration;

	private final Lease.Holder self = Lease.Holder.ofThisProcess();

	private @Nullable Lease held;

	private @Nullable String version;

	private Instant renewAfter = Instant.MIN;

	/** The lease as last seen held by another process, while this one stands by. */
	private volatile @Nullable Lease other;

	/** The lease this process holds, or held last; what health shows. */
	private volatile @Nullable Lease shown;

	CaptureLease(EngineContext context, String database, Duration duration) {
		this.context = context;
		this.database = database;
		this.duration = duration;
	}

	/**
	 * Holds the lease: renews it when due, takes it when free.
	 * @return whether this process holds it now
	 * @throws IOException when the store cannot be read or written and no lease is held
	 */
	synchronized boolean hold() throws IOException {
		Instant now = this.context.clock().instant();
		Lease lease = this.held;
		if (lease != null) {
			if (now.isBefore(this.renewAfter)) {
				return true;
			}
			return renew(lease, now);
		}
		return take(now);
	}

	private boolean renew(Lease lease, Instant now) throws IOException {
		Lease renewed = new Lease(this.self, lease.epoch(), now.plus(this.duration), false);
		Optional<String> written;
		try {
			written = store().writeLease(this.database, renewed, this.version);
		}
		catch (IOException | RuntimeException ex) {
			if (now.isBefore(lease.expiresAt().minus(this.duration.dividedBy(3)))) {
				// It holds for a while yet: the next pass tries again.
				logger.warn("Continuous backup of database '{}' could not renew its lease (epoch {}, until {}): {}",
						this.database, lease.epoch(), lease.expiresAt(), ex.getMessage());
				return true;
			}
			lose("it could not be renewed before it lapses at " + lease.expiresAt() + " (" + ex.getMessage() + ")");
			return false;
		}
		if (written.isEmpty()) {
			lose("another process took it");
			this.other = read().map(StoredLease::lease).orElse(null);
			return false;
		}
		hold(renewed, written.get(), now);
		return true;
	}

	private boolean take(Instant now) throws IOException {
		Optional<StoredLease> stored = read();
		Lease next;
		String expected;
		if (stored.isEmpty()) {
			next = new Lease(this.self, 1, now.plus(this.duration), false);
			expected = null;
		}
		else {
			Lease current = stored.get().lease();
			if (!current.holder().equals(this.self) && !current.isFree(now)) {
				this.other = current;
				return false;
			}
			next = new Lease(this.self, current.epoch() + 1, now.plus(this.duration), false);
			expected = stored.get().version();
		}
		Optional<String> written = store().writeLease(this.database, next, expected);
		if (written.isEmpty()) {
			this.other = read().map(StoredLease::lease).orElse(null);
			return false;
		}
		hold(next, written.get(), now);
		logger.info("Continuous backup of database '{}' holds the lease on {} (epoch {}, until {})", this.database,
				store().describe(), next.epoch(), next.expiresAt());
		return true;
	}

	private void hold(Lease lease, String version, Instant now) {
		this.held = lease;
		this.shown = lease;
		this.version = version;
		this.other = null;
		this.renewAfter = now.plus(this.duration.dividedBy(3));
	}

	private void lose(String why) {
		Lease lost = this.held;
		this.held = null;
		this.version = null;
		logger.warn("Continuous backup of database '{}' lost its lease (epoch {}): {}; it ships nothing more and "
				+ "stands by", this.database, (lost != null) ? lost.epoch() : 0, why);
	}

	/** Lets go of the lease, so that the next holder need not wait for it to lapse. */
	synchronized void release() {
		Lease lease = this.held;
		if (lease == null) {
			return;
		}
		Instant now = this.context.clock().instant();
		Lease released = new Lease(this.self, lease.epoch(), now, true);
		try {
			if (store().writeLease(this.database, released, this.version).isPresent()) {
				logger.info("Continuous backup of database '{}' released its lease (epoch {})", this.database,
						lease.epoch());
				this.shown = released;
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Continuous backup of database '{}' could not release its lease (epoch {}); the next holder "
					+ "takes it when it lapses at {}: {}", this.database, lease.epoch(), lease.expiresAt(), ex.getMessage());
		}
		this.held = null;
		this.version = null;
	}

	/** Whether this process holds the lease, as far as it knows. */
	synchronized boolean isHeld() {
		return this.held != null;
	}

	/** The epoch of the lease this process holds, or {@code 0} when it holds none. */
	synchronized long epoch() {
		Lease lease = this.held;
		return (lease != null) ? lease.epoch() : 0;
	}

	/** The lease another process holds while this one stands by, else {@code null}. */
	@Nullable Lease other() {
		return this.other;
	}

	/** The lease as this process last saw it: the one it holds, or the other holder's while it stands by. */
	public @Nullable Lease current() {
		Lease other = this.other;
		return (other != null) ? other : this.shown;
	}

	private Optional<StoredLease> read() throws IOException {
		return store().readLease(this.database);
	}

	private BackupStore store() {
		return this.context.store();
	}

}
