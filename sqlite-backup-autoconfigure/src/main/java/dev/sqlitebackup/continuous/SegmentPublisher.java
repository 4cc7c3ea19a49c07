package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.LongSupplier;

import dev.sqlitebackup.BackupAuthenticity;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.engine.EngineContext;

/**
 * Publishes the segments of continuous backup: frames staged in a file, in the configured stored
 * form (compressed, encrypted), with a manifest signed by {@link BackupAuthenticity}.
 */
final class SegmentPublisher {

	private final EngineContext context;

	private final String database;

	/** The epoch of the lease the capture holds, written into every segment; {@code 0} without one. */
	private final LongSupplier epoch;

	SegmentPublisher(EngineContext context, String database, LongSupplier epoch) {
		this.context = context;
		this.database = database;
		this.epoch = epoch;
	}

	/** The epoch it writes into segments now. */
	long epoch() {
		return this.epoch.getAsLong();
	}

	/** A publisher of the same segments that writes this epoch, whatever the lease becomes meanwhile. */
	SegmentPublisher atEpoch(long epoch) {
		return new SegmentPublisher(this.context, this.database, () -> epoch);
	}

	/**
	 * Publishes frames staged in a file; the file is consumed.
	 * @return the segment as published: its stored form, sizes and MAC
	 */
	Segment publish(Segment plain, Path frames) throws IOException {
		BackupStore store = this.context.store();
		StoredForm form = this.context.options().storedForm();
		if (form.isPlain()) {
			return store.publishSegment(frames, stored(plain, form, Files.size(frames), plain.plainSha256()));
		}
		try (StagingFile encoded = store.newStagingFile(this.database, plain.id() + "-stored")) {
			StoredForm.Encoded result = form.encode(frames, encoded.path(), this.database, plain.id());
			return store.publishSegment(encoded.path(), stored(plain, form, result.sizeBytes(), result.sha256()));
		}
	}

	/** Publishes a segment without frames: the anchor of a chain, or a later snapshot. */
	void publishWithoutFrames(Segment plain) throws IOException {
		try (StagingFile staging = this.context.store().newStagingFile(this.database, plain.id())) {
			Files.write(staging.path(), new byte[0], StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
			publish(plain, staging.path());
		}
	}

	private Segment stored(Segment plain, StoredForm form, long sizeBytes, String sha256) {
		Segment segment = new Segment(plain.chainId(), plain.sequence(), plain.database(), plain.baseBackupId(),
				plain.capturedAt(), plain.walSequence(), plain.salt1(), plain.salt2(), plain.startOffset(),
				plain.endOffset(), plain.checksumIn(), plain.checksumOut(), plain.bigEndianChecksum(),
				plain.frameCount(), plain.pageSize(), plain.pageCount(), plain.plainSha256(), plain.previousSha256(),
				plain.snapshotSha256(), sizeBytes, sha256, form.compression().codecName(), form.encryptionKeyId(), null,
				plain.parent(), plain.startReason(), plain.gapBefore(), plain.level(), plain.fromSequence(),
				plain.lastPlainSha256(), this.epoch.getAsLong());
		return this.context.authenticity().sign(segment);
	}

}
