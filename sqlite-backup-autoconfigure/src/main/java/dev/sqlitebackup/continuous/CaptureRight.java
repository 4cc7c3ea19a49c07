package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.net.InetAddress;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupStore.StoreLock;
import dev.sqlitebackup.Lease;
import dev.sqlitebackup.engine.EngineContext;

/**
 * The right to capture one database into a store: one process at a time holds the store's capture
 * lock for it, and says who it is beside it, so that a second instance on the same database and
 * store (during a deploy, a one-off job) stands by instead of interleaving a second chain.
 */
final class CaptureRight implements AutoCloseable {

	private static final Logger logger = LoggerFactory.getLogger(CaptureRight.class);

	private final EngineContext context;

	private final String database;

	private @Nullable StoreLock lock;

	/** Who holds the right while this process stands by, else {@code null}. */
	private volatile @Nullable String standbyFor;

	/** The lease on the store that gives the right instead of the capture lock, {@code null} for none. */
	private final @Nullable CaptureLease lease;

	CaptureRight(EngineContext context, String database, @Nullable CaptureLease lease) {
		this.context = context;
		this.database = database;
		this.lease = lease;
	}

	/**
	 * Takes the right when nobody holds it.
	 * @return what happened: held all along, taken now (over from whom), or held by another
	 */
	/**
	 * Whether the right is held through a lock that keeps other processes out, rather than given
	 * to everyone by a store that cannot lock: only then can this process be sure no other one
	 * extends the chain it goes on with.
	 */
	boolean isExclusive() {
		if (this.lease != null) {
			return this.lease.isHeld();
		}
		StoreLock held = this.lock;
		return held != null && held != StoreLock.NONE;
	}

	Outcome take() throws IOException {
		if (this.lease != null) {
			return takeLease(this.lease);
		}
		if (this.lock != null) {
			return Outcome.HELD;
		}
		String holder = "pid " + ProcessHandle.current().pid() + " on " + hostName() + ", capturing since "
				+ this.context.clock().instant().truncatedTo(ChronoUnit.SECONDS);
		Optional<StoreLock> taken = this.context.store().tryCaptureLock(this.database, holder);
		if (taken.isPresent()) {
			this.lock = taken.get();
			if (this.standbyFor != null) {
				logger.info("Continuous backup of database '{}' takes over from {}", this.database, this.standbyFor);
				this.standbyFor = null;
				return Outcome.TAKEN_OVER;
			}
			return Outcome.HELD;
		}
		String other = this.context.store().captureHolder(this.database).orElse("another process");
		if (!other.equals(this.standbyFor)) {
			logger.info("Continuous backup of database '{}' stands by: {} captures it into {}", this.database, other,
					this.context.store().describe());
		}
		this.standbyFor = other;
		return Outcome.STANDBY;
	}

	/** The right through the store's lease: held while the lease is, across machines. */
	private Outcome takeLease(CaptureLease lease) throws IOException {
		if (lease.hold()) {
			if (this.standbyFor != null) {
				logger.info("Continuous backup of database '{}' takes over from {}", this.database, this.standbyFor);
				this.standbyFor = null;
				return Outcome.TAKEN_OVER;
			}
			return Outcome.HELD;
		}
		Lease other = lease.other();
		String holder = (other != null) ? other.holder().describe() + " (lease epoch " + other.epoch() + ", until "
				+ other.expiresAt() + ")" : "another process";
		if (!holder.equals(this.standbyFor)) {
			logger.info("Continuous backup of database '{}' stands by: {} holds the lease on {}", this.database, holder,
					this.context.store().describe());
		}
		this.standbyFor = holder;
		return Outcome.STANDBY;
	}

	/** The epoch of the lease this process holds, written into what it publishes; {@code 0} without a lease. */
	long epoch() {
		return (this.lease != null) ? this.lease.epoch() : 0;
	}

	/** Who holds the right while this process stands by, or {@code null} when it holds it. */
	@Nullable String standbyFor() {
		return this.standbyFor;
	}

	@Override
	public void close() {
		if (this.lease != null) {
			this.lease.release();
		}
		StoreLock held = this.lock;
		this.lock = null;
		if (held != null) {
			try {
				held.close();
			}
			catch (IOException ex) {
				logger.debug("Could not let go of the capture of database '{}': {}", this.database, ex.getMessage());
			}
		}
	}

	private static String hostName() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (IOException | RuntimeException ex) {
			return "an unknown host";
		}
	}

	/** What taking the right found. */
	enum Outcome {

		/** This process holds it. */
		HELD,

		/** This process holds it now, after standing by for another: a new chain follows. */
		TAKEN_OVER,

		/** Another process holds it. */
		STANDBY

	}

}
