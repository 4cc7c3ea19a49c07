package dev.sqlitebackup.store.s3;

import java.time.Duration;
import java.util.Objects;

/**
 * How long a request to the bucket may take, retries included, before it fails: a bucket that
 * answers slowly, or one byte at a time, must not hang a backup, a health probe or the startup.
 * The per-read socket timeout alone does not bound a request whose answer trickles in.
 *
 * @param call deadline of a request that moves no backup data: a listing page, a manifest, a
 * delete, starting or finishing a multipart upload
 * @param minTransferBytesPerSecond the slowest transfer of backup data that is let go on: an upload
 * or download of {@code n} bytes may take {@code call + n / minTransferBytesPerSecond}
 */
public record S3Timeouts(Duration call, long minTransferBytesPerSecond) {

	/** 30 s per request, and backup data moving at 1 MiB/s at least. */
	public static final S3Timeouts DEFAULTS = new S3Timeouts(Duration.ofSeconds(30), 1024 * 1024);

	public S3Timeouts {
		Objects.requireNonNull(call, "call");
		if (call.isNegative() || call.isZero()) {
			throw new IllegalArgumentException("The deadline of a request must be positive, not " + call);
		}
		if (minTransferBytesPerSecond <= 0) {
			throw new IllegalArgumentException(
					"The slowest transfer rate must be positive, not " + minTransferBytesPerSecond + " bytes/s");
		}
	}

	/** Deadline of a request that moves {@code bytes} of backup data. */
	public Duration transfer(long bytes) {
		long extraMillis = Math.max(0, bytes) / this.minTransferBytesPerSecond * 1000
				+ (Math.max(0, bytes) % this.minTransferBytesPerSecond) * 1000 / this.minTransferBytesPerSecond;
		return this.call.plusMillis(extraMillis);
	}

}
