package dev.sqlitebackup.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/** The lease on the store that keeps one writer per database ({@code sqlite.backup.lease.*}). */
public class SqliteBackupLeaseProperties {

	/**
	 * Whether continuous backup takes a lease on the store before it ships anything, so that two
	 * instances that share a store (during a deploy, on two machines) never both capture. On when
	 * continuous backup is on, unless set.
	 */
	private @Nullable Boolean enabled;

	/**
	 * How long a lease lasts without renewal; it is renewed every third of it. After a crash, the
	 * next instance on another machine takes over after at most this long.
	 */
	private Duration duration = Duration.ofSeconds(15);

	/**
	 * How long startup waits for the lease, with restore.on-startup=if-missing and a missing
	 * database, before it fails naming the holder.
	 */
	private Duration waitOnStartup = Duration.ofSeconds(60);

	public @Nullable Boolean getEnabled() {
		return this.enabled;
	}

	public void setEnabled(@Nullable Boolean enabled) {
		this.enabled = enabled;
	}

	public Duration getDuration() {
		return this.duration;
	}

	public void setDuration(Duration duration) {
		this.duration = duration;
	}

	public Duration getWaitOnStartup() {
		return this.waitOnStartup;
	}

	public void setWaitOnStartup(Duration waitOnStartup) {
		this.waitOnStartup = waitOnStartup;
	}

}
