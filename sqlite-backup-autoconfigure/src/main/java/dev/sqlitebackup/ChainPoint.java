package dev.sqlitebackup;

import java.time.Instant;

/**
 * A point of a continuous backup chain: the state after one of its segments.
 *
 * @param chainId id of the chain
 * @param sequence sequence of the segment
 * @param capturedAt when that segment was captured
 */
public record ChainPoint(String chainId, long sequence, Instant capturedAt) {
}
