package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupStore;
import dev.sqlitebackup.BackupStore.StagingFile;
import dev.sqlitebackup.CompactionLevels;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.engine.EngineContext;
import dev.sqlitebackup.pointintime.ChainIndex;
import dev.sqlitebackup.pointintime.SegmentReplay;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * Builds one compaction block on the compactor's own thread: reads its inputs and checks them as a
 * restore does, merges the newest version of each page, publishes the block under its own key
 * and reads it back in full. It changes no head: the capture's thread records the outcome
 * ({@link SegmentCompactor}), so that a head keeps one writer.
 */
final class BlockBuild implements Callable<BlockBuild.Outcome> {

	private final EngineContext context;

	private final String database;

	private final CompactionLevels levels;

	private final SegmentPublisher publisher;

	private final ChainIndex index;

	private final SegmentReplay replay;

	private final String chainId;

	private final SegmentCompactor.Block block;

	/**
	 * @param publisher publishes under the lease epoch the capture held when the block was asked
	 * for, read on the capture's thread
	 */
	BlockBuild(EngineContext context, String database, SegmentPublisher publisher, String chainId,
			SegmentCompactor.Block block) {
		this.context = context;
		this.database = database;
		this.levels = context.options().compaction();
		this.publisher = publisher;
		this.index = new ChainIndex(context);
		this.replay = new SegmentReplay(context);
		this.chainId = chainId;
		this.block = block;
	}

	/** What building the block came to; a failure is thrown. */
	sealed interface Outcome permits Built, MissingInputs {
	}

	/**
	 * The block is published and checked.
	 *
	 * @param segment the block as published
	 * @param millis how long building it took
	 */
	record Built(Segment segment, long millis) implements Outcome {
	}

	/**
	 * Some of the objects the block would merge are not in the store (retention deleted them, or
	 * someone else did): nothing was published.
	 *
	 * @param expected how many it merges
	 * @param found how many were there
	 */
	record MissingInputs(long expected, long found) implements Outcome {
	}

	@Override
	public Outcome call() throws IOException {
		long started = System.nanoTime();
		List<Segment> inputs = inputs();
		long expected = (this.block.level() == 1) ? this.block.end() - this.block.start() + 1
				: this.levels.size(this.block.level()) / this.levels.size(this.block.level() - 1);
		if (inputs.size() < expected) {
			return new MissingInputs(expected, inputs.size());
		}
		checkFollowing(inputs);
		Segment built = publish(inputs);
		return new Built(built, (System.nanoTime() - started) / 1_000_000);
	}

	private List<Segment> inputs() {
		List<Segment> inputs = new ArrayList<>();
		if (this.block.level() == 1) {
			inputs.addAll(this.index.segments(this.database, this.chainId, this.block.start(), this.block.end(),
					(segment) -> true));
			return inputs;
		}
		long size = this.levels.size(this.block.level() - 1);
		for (long start = this.block.start(); start <= this.block.end(); start += size) {
			Optional<Segment> input = this.index.findBlock(this.database, this.chainId, this.block.level() - 1, start);
			if (input.isEmpty()) {
				break;
			}
			inputs.add(input.get());
		}
		return inputs;
	}

	private void checkFollowing(List<Segment> inputs) {
		Segment previous = null;
		for (Segment input : inputs) {
			String refusal = this.context.authenticity().refusal(input);
			if (refusal != null) {
				throw new IllegalStateException(input.id() + " is refused: " + refusal);
			}
			if (previous != null && (input.fromSequence() != previous.sequence() + 1
					|| !input.previousSha256().equals(previous.chainSha256()) || input.pageSize() != previous.pageSize()
					|| input.capturedAt().isBefore(previous.capturedAt()))) {
				throw new IllegalStateException(input.id() + " does not follow " + previous.id());
			}
			previous = input;
		}
	}

	private Segment publish(List<Segment> inputs) throws IOException {
		Segment first = inputs.get(0);
		Segment last = inputs.get(inputs.size() - 1);
		String id = Segment.blockIdOf(this.chainId, this.block.level(), this.block.start());
		BackupStore store = this.context.store();
		try (StagingFile pages = store.newStagingFile(this.database, id + "-pages");
				StagingFile frames = store.newStagingFile(this.database, id)) {
			BitSet written = this.replay.collectNewestPages(this.database, inputs, Long.MAX_VALUE, pages.path());
			WalFrames.Written merged = WalFrames.writePages(pages.path(), written, last, frames.path());
			Segment plain = new Segment(this.chainId, this.block.end(), this.database, last.baseBackupId(),
					last.capturedAt(), last.walSequence(), last.salt1(), last.salt2(), first.startOffset(),
					last.endOffset(), 0L, merged.checksumOut(), last.bigEndianChecksum(), merged.count(),
					last.pageSize(), last.pageCount(), merged.sha256(), first.previousSha256(), null, 0,
					merged.sha256(), Backup.NO_COMPRESSION, null, null, null, null, null, this.block.level(),
					this.block.start(), last.chainSha256());
			Segment published = this.publisher.publish(plain, frames.path());
			verify(published);
			return published;
		}
	}

	/** Reads the published block back and checks it as a restore would, before anything relies on it. */
	private void verify(Segment published) throws IOException {
		Segment stored = this.index.findBlock(this.database, this.chainId, this.block.level(), this.block.start())
			.orElseThrow(() -> new IllegalStateException("the published block " + published.id() + " is not there"));
		if (!stored.sha256().equals(published.sha256()) || !stored.plainSha256().equals(published.plainSha256())
				|| stored.frameCount() != published.frameCount()) {
			throw new IllegalStateException("the block " + published.id() + " read back is not the one published");
		}
		try (StagingFile check = this.context.store().newStagingFile(this.database, published.id() + "-verify")) {
			this.replay.collectNewestPages(this.database, List.of(stored), Long.MAX_VALUE, check.path());
		}
	}

}
