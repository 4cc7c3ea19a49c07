package dev.sqlitebackup.continuous;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.sqlitebackup.CaptureResult;
import dev.sqlitebackup.continuous.FrameShipper.Step;
import dev.sqlitebackup.engine.ReadHold;
import dev.sqlitebackup.pointintime.WalFrames;

/**
 * One pass of continuous capture over a chain that goes on: it spends the pass on what is due
 * first (the chain's head in a billed store, a compaction block), else ships the frames committed
 * since the last pass and checkpoints the WAL when due. Whether the chain can go on at all is the
 * caller's ({@link WalCapture}) to decide from the outcome.
 */
final class ChainPass {

	private final String database;

	private final ReadHold reads;

	private final CaptureTimeline timeline;

	private final FrameShipper shipper;

	private final ChainHeadKeeper heads;

	private final SegmentCompactor compactor;

	/** Whether the store bills each request, so that a pass writes to it once at most. */
	private final boolean billed;

	ChainPass(String database, ReadHold reads, CaptureTimeline timeline, FrameShipper shipper, ChainHeadKeeper heads,
			SegmentCompactor compactor, boolean billed) {
		this.database = database;
		this.reads = reads;
		this.timeline = timeline;
		this.shipper = shipper;
		this.heads = heads;
		this.compactor = compactor;
		this.billed = billed;
	}

	/**
	 * Runs the pass at the instant {@code now}.
	 * @throws IOException or another exception, through {@link FrameShipper#framesWait}, when what
	 * was committed could not be shipped; the frames then wait in the WAL for the next pass
	 */
	Outcome run(ChainCursor chain, Instant now) throws SQLException, IOException {
		if (this.heads.writeDue(chain.id, now)) {
			// The store bills each write: this pass spends its one on the head, and the frames wait a pass.
			try {
				this.heads.writeNow(chain.id, this.timeline.lastCaptureAt());
			}
			catch (IOException ex) {
				throw this.shipper.framesWait(ex);
			}
			return Outcome.of(nothingShipped(chain));
		}
		if (this.compactor.spentPassOnBlock(chain.id)) {
			return Outcome.of(nothingShipped(chain));
		}
		// A billed store's pass ships once: when the WAL is due a checkpoint, under the barrier.
		Step checkpointed = (this.billed && chain.checkpointDue()) ? this.shipper.checkpoint(chain) : null;
		Step step;
		try {
			step = (checkpointed != null) ? checkpointed : this.shipper.shipNew(chain);
		}
		catch (SQLException | IOException | RuntimeException | Error ex) {
			throw this.shipper.framesWait(ex);
		}
		if (step.lostReason() != null) {
			return new Outcome(null, step.lostReason(), null);
		}
		// Only what the first pass after a resume ships can have waited for it.
		this.timeline.resumedAfter(null);
		this.reads.renew();
		int frames = step.frames();
		String restartReason = null;
		if (!this.billed && chain.checkpointDue()) {
			// A free store may ship twice in a pass: the frames committed since, under the barrier.
			Step drained = this.shipper.checkpoint(chain);
			if (drained != null && drained.lostReason() != null) {
				restartReason = drained.lostReason();
			}
			else if (drained != null) {
				checkpointed = drained;
				frames += drained.frames();
			}
		}
		this.timeline.shippedThrough(step.shippedThrough());
		Instant shipped = this.timeline.lastCaptureAt();
		if (shipped != null) {
			this.heads.capturedUntil(chain.id, shipped, false);
		}
		this.compactor.shipped(chain.id);
		return new Outcome(new CaptureResult(this.database, chain.id, null, frames,
				(long) frames * (WalFrames.FRAME_HEADER_SIZE + chain.pageSize), checkpointed != null), null,
				restartReason);
	}

	private CaptureResult nothingShipped(ChainCursor chain) {
		return new CaptureResult(this.database, chain.id, null, 0, 0, false);
	}

	/**
	 * What a pass did.
	 *
	 * @param result what it shipped, or {@code null} when the chain is lost
	 * @param lostReason why the chain cannot be proven complete, so that this pass starts a new one
	 * @param restartReason why the next pass must start a new chain, though this one shipped
	 */
	record Outcome(@Nullable CaptureResult result, @Nullable String lostReason, @Nullable String restartReason) {

		static Outcome of(CaptureResult result) {
			return new Outcome(result, null, null);
		}

	}

}
