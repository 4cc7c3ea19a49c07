package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.store.ChainHeadFormat;
import dev.sqlitebackup.store.SegmentFileFormat;

/**
 * The segments and chain heads of continuous backup in a bucket, read and written by key so that
 * nothing a capture does lists the bucket.
 * <p>
 * A segment is one object, {@code <folder>segments/<id>.segment}: its stored frames, then its
 * manifest, then a footer of fixed length that gives the manifest's length. Publishing it is one
 * PUT, which S3 makes visible whole or not at all, so it needs no marker and leaves nothing to clean
 * up; finding it is one ranged GET of its end, and restoring it one ranged GET of its frames. A head
 * is {@code <folder>chains/<chain>.head}.
 */
final class S3Segments {

	private static final Logger logger = LoggerFactory.getLogger(S3Segments.class);

	static final String SEGMENTS = "segments/";

	static final String CHAINS = "chains/";

	static final String SEGMENT_SUFFIX = ".segment";

	static final String HEAD_SUFFIX = ".head";

	static final String HEADS_COMPLETE = "complete";

	private static final int FOOTER_LENGTH = SegmentFileFormat.FOOTER_LENGTH;

	private final S3Requests requests;

	private final S3Uploads uploads;

	private final String store;

	/** Keys already warned about, so that each is reported once. */
	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	S3Segments(S3Requests requests, S3Uploads uploads, String store) {
		this.requests = requests;
		this.uploads = uploads;
		this.store = store;
	}

	/** Whether a subfolder of a database's folder is one this class keeps. */
	static boolean isOwnSubfolder(String folder, String subfolder) {
		return subfolder.equals(folder + SEGMENTS) || subfolder.equals(folder + CHAINS);
	}

	/** Adds the manifest to the staged stored frames and uploads them as one object; the file is consumed. */
	void publish(String folder, Path staged, Segment segment) throws IOException {
		SegmentFileFormat.appendManifest(staged, segment);
		String key = segmentKey(folder, segment.id());
		try {
			this.uploads.upload(staged, Files.size(staged), key);
		}
		catch (SdkException ex) {
			// The answer may have been lost after the object was stored: nothing may outlive a failed publish.
			this.requests.deleteQuietly(key);
			throw new IOException("Could not upload segment " + segment.id() + " to " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
		Files.deleteIfExists(staged);
	}

	/**
	 * The segment with this id, read from the end of its object; empty when there is none, or when
	 * the object is not a whole segment of the database (said once in the log).
	 * @throws IllegalStateException when the bucket cannot be read: a segment that is there must
	 * never look missing
	 */
	Optional<Segment> find(String database, String folder, String segmentId) {
		String key = segmentKey(folder, segmentId);
		try {
			Tail tail = readTail(key, SegmentFileFormat.TAIL_READ);
			if (tail == null) {
				return Optional.empty();
			}
			int manifestLength = SegmentFileFormat.manifestLength(tail.bytes);
			if (manifestLength < 0 || manifestLength + FOOTER_LENGTH > tail.objectSize) {
				return notASegment(key, "it does not end with a segment manifest's footer");
			}
			byte[] end = tail.bytes;
			if (manifestLength + FOOTER_LENGTH > end.length) {
				Tail longer = readTail(key, manifestLength + FOOTER_LENGTH);
				if (longer == null || longer.objectSize != tail.objectSize) {
					throw SdkClientException.create("segment " + segmentId + " changed while it was read");
				}
				end = longer.bytes;
			}
			Segment segment = SegmentFileFormat.readManifest(end, manifestLength);
			if (!segment.id().equals(segmentId) || !segment.database().equals(database)) {
				return notASegment(key, "it describes segment " + segment.id() + " of database '" + segment.database()
						+ "'");
			}
			if (!SegmentFileFormat.fills(segment, manifestLength, tail.objectSize)) {
				return notASegment(key, "it holds " + tail.objectSize + " bytes where its manifest accounts for "
						+ (segment.sizeBytes() + manifestLength + FOOTER_LENGTH));
			}
			return Optional.of(segment);
		}
		catch (IOException | IllegalArgumentException ex) {
			return notASegment(key, "its manifest cannot be read (" + ex.getMessage() + ")");
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot read segment " + segmentId + " in " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
	}

	/** Every segment of the database, found from one listing of its segments' folder. */
	List<Segment> list(String database, String folder) {
		List<Segment> found = new ArrayList<>();
		for (String name : names(folder + SEGMENTS, "segments")) {
			if (name.endsWith(SEGMENT_SUFFIX)) {
				find(database, folder, name.substring(0, name.length() - SEGMENT_SUFFIX.length()))
					.ifPresent(found::add);
			}
		}
		return found;
	}

	/** Downloads a segment's stored frames, and nothing of its manifest, into a file. */
	void download(String folder, Segment segment, Path file) throws IOException {
		if (segment.sizeBytes() == 0) {
			Files.write(file, new byte[0]);
			return;
		}
		S3Download.into(file, this.requests, segmentKey(folder, segment.id()), "bytes=0-" + (segment.sizeBytes() - 1),
				segment.sizeBytes(), "segment " + segment.id(), this.store);
	}

	void delete(String folder, Segment segment) {
		this.requests.delete(segmentKey(folder, segment.id()));
	}

	void publishHead(String folder, ChainHead head) throws IOException {
		if (!BackupIds.isWellFormed(head.chainId())) {
			throw new IllegalArgumentException("Not a chain id: " + head.chainId());
		}
		try {
			this.requests.putText(headKey(folder, head.chainId()), ChainHeadFormat.write(head));
		}
		catch (SdkException ex) {
			throw new IOException("Could not write the head of chain " + head.chainId() + " to " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
	}

	/** The database's chain heads, by chain id, from one listing of the heads' folder. */
	Map<String, ChainHead> heads(String database, String folder) {
		Map<String, ChainHead> heads = new TreeMap<>();
		for (String name : names(folder + CHAINS, "chain heads")) {
			if (name.endsWith(HEAD_SUFFIX)) {
				String chainId = name.substring(0, name.length() - HEAD_SUFFIX.length());
				head(database, folder, chainId).ifPresent((head) -> heads.put(chainId, head));
			}
		}
		return heads;
	}

	/** The head of one chain, read by its key; empty when there is none or it is not this chain's. */
	Optional<ChainHead> head(String database, String folder, String chainId) {
		if (!BackupIds.isWellFormed(chainId)) {
			return Optional.empty();
		}
		String key = headKey(folder, chainId);
		try {
			ResponseBytes<GetObjectResponse> object = this.requests.client()
				.getObjectAsBytes((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.overrideConfiguration(this.requests.call()));
			ChainHead head = ChainHeadFormat.read(new StringReader(object.asString(StandardCharsets.ISO_8859_1)));
			if (!head.chainId().equals(chainId) || !head.database().equals(database)) {
				reportOnce(key, "it describes chain " + head.chainId() + " of database '" + head.database() + "'");
				return Optional.empty();
			}
			return Optional.of(head);
		}
		catch (NoSuchKeyException ex) {
			return Optional.empty();
		}
		catch (IOException | IllegalArgumentException ex) {
			reportOnce(key, "it cannot be read as a chain head (" + ex.getMessage() + ")");
			return Optional.empty();
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot read the head of chain " + chainId + " in " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
	}

	void deleteHead(String folder, String chainId) throws IOException {
		if (!BackupIds.isWellFormed(chainId)) {
			return;
		}
		try {
			this.requests.delete(headKey(folder, chainId));
		}
		catch (SdkException ex) {
			throw new IOException("Could not delete the head of chain " + chainId + " from " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
	}

	boolean headsComplete(String folder) {
		try {
			this.requests.client()
				.headObject((request) -> request.bucket(this.requests.bucket())
					.key(folder + CHAINS + HEADS_COMPLETE)
					.overrideConfiguration(this.requests.call()));
			return true;
		}
		catch (NoSuchKeyException ex) {
			return false;
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 404) {
				return false;
			}
			throw new IllegalStateException("Cannot read " + this.store + ": " + S3Failures.explain(ex), ex);
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot read " + this.store + ": " + S3Failures.explain(ex), ex);
		}
	}

	void markHeadsComplete(String folder) throws IOException {
		try {
			this.requests.putText(folder + CHAINS + HEADS_COMPLETE, "every chain of this folder has a head record\n");
		}
		catch (SdkException ex) {
			throw new IOException("Could not write to " + this.store + ": " + S3Failures.explain(ex), ex);
		}
	}

	private static String segmentKey(String folder, String segmentId) {
		return folder + SEGMENTS + segmentId + SEGMENT_SUFFIX;
	}

	private static String headKey(String folder, String chainId) {
		return folder + CHAINS + chainId + HEAD_SUFFIX;
	}

	/** The last bytes of an object and its size; {@code null} when there is no such object. */
	private @Nullable Tail readTail(String key, int bytes) {
		ResponseBytes<GetObjectResponse> object;
		try {
			object = this.requests.client()
				.getObjectAsBytes((request) -> request.bucket(this.requests.bucket())
					.key(key)
					.range("bytes=-" + bytes)
					.overrideConfiguration(this.requests.call()));
		}
		catch (NoSuchKeyException ex) {
			return null;
		}
		catch (S3Exception ex) {
			if (ex.statusCode() == 416) {
				// Only an empty object has no last bytes to give.
				return new Tail(new byte[0], 0);
			}
			throw ex;
		}
		byte[] read = object.asByteArray();
		return new Tail(read, objectSize(object.response(), read.length));
	}

	/** The whole object's size: after the slash of a partial answer's range, else what was read. */
	private static long objectSize(GetObjectResponse response, int read) {
		String range = response.contentRange();
		if (range != null && range.lastIndexOf('/') > 0) {
			String total = range.substring(range.lastIndexOf('/') + 1).trim();
			if (!total.isEmpty() && total.chars().allMatch(Character::isDigit)) {
				return Long.parseLong(total);
			}
		}
		if (range != null) {
			throw SdkClientException.create("the bucket's answer to a ranged read gave no object size (Content-Range "
					+ S3Failures.printable(range) + ")");
		}
		return read;
	}

	/** Names of the objects directly in a subfolder, every page of its listing. */
	private List<String> names(String subfolder, String what) {
		List<String> names = new ArrayList<>();
		try {
			for (ListObjectsV2Response page : this.requests.client()
				.listObjectsV2Paginator((request) -> request.bucket(this.requests.bucket())
					.prefix(subfolder)
					.delimiter("/")
					.encodingType(EncodingType.URL)
					.overrideConfiguration(this.requests.call()))) {
				if (page.name() == null || page.isTruncated() == null) {
					throw SdkClientException.create("the bucket's answer to a listing was not a whole listing page: "
							+ "the connection or a proxy on the way cut or garbled it");
				}
				for (S3Object object : page.contents()) {
					if (object.key().startsWith(subfolder)) {
						names.add(object.key().substring(subfolder.length()));
					}
				}
			}
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list " + what + " in " + this.store + ": "
					+ S3Failures.explain(ex), ex);
		}
		return names;
	}

	private Optional<Segment> notASegment(String key, String why) {
		reportOnce(key, why);
		return Optional.empty();
	}

	private void reportOnce(String key, String why) {
		if (this.reported.add(key + why)) {
			logger.warn("Skipping {} in {}: {}", S3Failures.printable(key), this.store, why);
		}
	}

	private record Tail(byte[] bytes, long objectSize) {
	}

}
