package dev.sqlitebackup;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

/**
 * The instants a restore to a point in time can reach for one database: from the oldest snapshot
 * still kept to the newest capture, less the gaps in which no capture ran; and the chains that
 * make it up.
 *
 * @param from the earliest instant a restore can go back to
 * @param to the newest instant covered: the last pass of a running capture, else the newest
 * capture the store holds
 * @param gaps the stretches inside, oldest first, in which commits carry no instant of their own
 * @param chains the chains, oldest start first
 */
public record RestoreWindow(Instant from, Instant to, List<Gap> gaps, List<ChainSummary> chains) {

	public RestoreWindow {
		gaps = List.copyOf(gaps);
		chains = List.copyOf(chains);
	}

	/** The gap an instant falls in, if any. */
	public Optional<Gap> gapAt(Instant instant) {
		return this.gaps.stream().filter((gap) -> gap.contains(instant)).findFirst();
	}

	/** Whether an instant is one a restore can reach. */
	public boolean covers(Instant instant) {
		return !instant.isBefore(this.from) && !instant.isAfter(this.to) && gapAt(instant).isEmpty();
	}

	/**
	 * This window with a chain known to be captured until a later instant (a running capture's
	 * last pass, which the store does not record), and the window's end with it.
	 */
	public RestoreWindow extendedTo(String chainId, Instant until) {
		List<ChainSummary> extended = new ArrayList<>();
		boolean found = false;
		for (ChainSummary chain : this.chains) {
			if (chain.id().equals(chainId) && until.isAfter(chain.end())) {
				extended.add(new ChainSummary(chain.id(), chain.start(), until, chain.parent(), chain.startReason(),
						chain.latest()));
				found = true;
			}
			else {
				extended.add(chain);
			}
		}
		if (!found || !until.isAfter(this.to)) {
			return found ? new RestoreWindow(this.from, this.to, this.gaps, extended) : this;
		}
		return new RestoreWindow(this.from, until, this.gaps, extended);
	}

	/** A restore's 404 text: the window and its gaps. */
	public String describe() {
		StringBuilder text = new StringBuilder(this.from + " to " + this.to);
		if (!this.gaps.isEmpty()) {
			text.append(", except ");
			for (int i = 0; i < this.gaps.size(); i++) {
				Gap gap = this.gaps.get(i);
				text.append((i > 0) ? ", " : "").append(gap.from()).append(" to ").append(gap.to());
			}
		}
		return text.toString();
	}

	/**
	 * One chain of continuous backup as listings show it.
	 *
	 * @param id id of the chain
	 * @param start the instant of its oldest snapshot still kept
	 * @param end the newest instant it covers
	 * @param parent the point of an earlier chain its snapshot follows, {@code null} for none
	 * @param startReason why it started, {@code null} when not recorded
	 * @param latest whether it holds the newest captured state; instants of other chains after
	 * the point the latest one (or its ancestors) branched off are on abandoned branches
	 */
	public record ChainSummary(String id, Instant start, Instant end, @Nullable ChainPoint parent,
			@Nullable String startReason,
			boolean latest) {
	}

}
