package dev.sqlitebackup.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.BackupStore.StoredBackupFile;
import dev.sqlitebackup.ChainHead;
import dev.sqlitebackup.Segment;
import dev.sqlitebackup.codec.StoredForm;

/**
 * Continuous backup's segments and chain heads in a local directory: in each database's folder,
 * {@code segments/<id>.segment}, one file per segment laid out as {@link SegmentFileFormat} says
 * (its stored frames, its manifest, a footer) and published by one atomic rename from staging, and
 * {@code chains/<chain>.head}.
 * <p>
 * Stores written before kept a segment as two files, the manifest {@code <id>.segment} and the
 * frames {@code <id>.frames[...]} beside it; those are still read, restored and deleted.
 */
final class LocalSegments {

	private static final Logger logger = LoggerFactory.getLogger(LocalSegments.class);

	/** Folder, inside a database's folder, of continuous backup segments. */
	static final String SEGMENTS_DIRECTORY = "segments";

	/** Folder, inside a database's folder, of the chains' head records, apart from the many segments. */
	static final String CHAINS_DIRECTORY = "chains";

	/** Suffix of a chain's head record. */
	static final String CHAIN_HEAD_SUFFIX = ".head";

	/** File, in the chains folder, that says every chain has a head record (written once they were rebuilt). */
	static final String HEADS_COMPLETE_FILE = "complete";

	static final String SEGMENT_DATA_SUFFIX = ".frames";

	static final String SEGMENT_MANIFEST_SUFFIX = ".segment";

	private final LocalDirectoryBackupStore store;

	LocalSegments(LocalDirectoryBackupStore store) {
		this.store = store;
	}

	/** Finishes the segment publishes a crash cut short, from the segment manifests left in a staging folder. */
	void finishInterruptedPublishes(String database, Path staging) throws IOException {
		try (DirectoryStream<Path> manifests = Files.newDirectoryStream(staging, "*" + SEGMENT_MANIFEST_SUFFIX)) {
			for (Path manifest : manifests) {
				finishInterruptedPublish(database, manifest);
			}
		}
	}

	/**
	 * A staged segment manifest whose frames were already moved into place belongs to a publish
	 * that a crash cut short between its two renames: the segment was complete, so it is published
	 * rather than left as frames nothing lists or removes.
	 */
	private void finishInterruptedPublish(String database, Path stagedManifest) throws IOException {
		Segment segment = this.store.readManifestFile(stagedManifest, "segment manifest", SegmentManifestFormat::read);
		if (segment == null || !segment.database().equals(database)
				|| !stagedManifest.getFileName().toString().equals(segment.id() + SEGMENT_MANIFEST_SUFFIX)) {
			return;
		}
		Path segments = this.store.databaseDirectory(database).resolve(SEGMENTS_DIRECTORY);
		Path manifest = segments.resolve(segment.id() + SEGMENT_MANIFEST_SUFFIX);
		Path data = segmentDataFile(segment);
		if (Files.exists(manifest, LinkOption.NOFOLLOW_LINKS) || !StoreFiles.isRegularFile(data)
				|| Files.size(data) != segment.sizeBytes()) {
			Files.deleteIfExists(stagedManifest);
			return;
		}
		Files.move(stagedManifest, manifest, StandardCopyOption.ATOMIC_MOVE);
		LocalDirectoryBackupStore.force(segments);
		logger.info("Finished publishing segment {} of database '{}' that a crash had interrupted", segment.id(),
				database);
	}

		List<Segment> list(String database) {
		Path segments = this.store.databaseDirectory(database).resolve(SEGMENTS_DIRECTORY);
		List<Segment> found = new ArrayList<>();
		try {
			if (!StoreFiles.existsAsRealDirectory(this.store.databaseDirectory(database)) || !StoreFiles.existsAsRealDirectory(segments)) {
				return List.of();
			}
			try (DirectoryStream<Path> manifests = Files.newDirectoryStream(segments, "*" + SEGMENT_MANIFEST_SUFFIX)) {
				for (Path manifest : manifests) {
					Segment segment = readSegmentManifest(database, manifest);
					if (segment != null) {
						found.add(segment);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list segments in " + segments + ": " + LocalDirectoryBackupStore.reason(ex), ex);
		}
		return found;
	}

	/**
	 * The segment a {@code .segment} file holds whole, or, in a store written before, describes
	 * with its frames beside it; {@code null} (said in the log) when it is neither.
	 */
	private @Nullable Segment readSegmentManifest(String database, Path manifest) {
		String fileName = manifest.getFileName().toString();
		Segment segment;
		try {
			Whole whole = readWhole(manifest);
			segment = (whole != null) ? whole.segment()
					: this.store.readManifestFile(manifest, "segment manifest", SegmentManifestFormat::read);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
		catch (UnsafeStorePathException ex) {
			logger.warn("Skipping segment {}: it {}", manifest, ex.getReason());
			return null;
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Skipping unreadable segment {}: {}", manifest, ex.getMessage());
			return null;
		}
		if (segment != null && (!fileName.equals(segment.id() + SEGMENT_MANIFEST_SUFFIX) || !segment.database().equals(database))) {
			logger.warn("Skipping segment manifest {}: it describes segment {} of database '{}'", manifest,
					segment.id(), segment.database());
			return null;
		}
		return segment;
	}

	/**
	 * The segment a file holds whole (frames, manifest, footer), read from its end; {@code null}
	 * when it does not end with a footer, as the manifests of the two-file layout do not.
	 */
	private static @Nullable Whole readWhole(Path file) throws IOException {
		StoreFiles.checkRegularFile(file);
		try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
			long size = channel.size();
			byte[] end = readEnd(channel, (int) Math.min(size, SegmentFileFormat.TAIL_READ));
			int manifestLength = SegmentFileFormat.manifestLength(end);
			if (manifestLength < 0) {
				return null;
			}
			if (manifestLength + SegmentFileFormat.FOOTER_LENGTH > size) {
				throw new IOException("its footer names a manifest longer than the file");
			}
			if (manifestLength + SegmentFileFormat.FOOTER_LENGTH > end.length) {
				end = readEnd(channel, manifestLength + SegmentFileFormat.FOOTER_LENGTH);
			}
			// Frames cut short or grown under an intact manifest still list, so that a restore names the damage.
			return new Whole(SegmentFileFormat.readManifest(end, manifestLength),
					size - manifestLength - SegmentFileFormat.FOOTER_LENGTH);
		}
	}

	private static byte[] readEnd(FileChannel channel, int bytes) throws IOException {
		ByteBuffer buffer = ByteBuffer.allocate(bytes);
		long start = channel.size() - bytes;
		while (buffer.hasRemaining()) {
			if (channel.read(buffer, start + buffer.position()) < 0) {
				throw new IOException("it became shorter while it was read");
			}
		}
		return buffer.array();
	}

	Segment publish(Path stagingFile, Segment segment) throws IOException {
		Path segments = StoreFiles.ownDirectory(this.store.ownDatabaseDirectory(segment.database()).resolve(SEGMENTS_DIRECTORY));
		StoreFiles.existsAsRealDirectory(stagingFile.getParent());
		StoreFiles.checkRegularFile(stagingFile);
		SegmentFileFormat.appendManifest(stagingFile, segment);
		StoreFiles.restrictToOwner(stagingFile);
		LocalDirectoryBackupStore.force(stagingFile);
		Files.move(stagingFile, segments.resolve(segment.id() + SEGMENT_MANIFEST_SUFFIX), StandardCopyOption.ATOMIC_MOVE);
		LocalDirectoryBackupStore.force(segments);
		return segment;
	}

	void publishHead(ChainHead head) throws IOException {
		Path chains = StoreFiles.ownDirectory(this.store.ownDatabaseDirectory(head.database()).resolve(CHAINS_DIRECTORY));
		if (!BackupIds.isWellFormed(head.chainId())) {
			throw new IllegalArgumentException("Not a chain id: " + head.chainId());
		}
		Path staged = chains.resolve(head.chainId() + CHAIN_HEAD_SUFFIX + ".new");
		Files.writeString(staged, ChainHeadFormat.write(head), StandardCharsets.ISO_8859_1, StandardOpenOption.CREATE,
				StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
		StoreFiles.restrictToOwner(staged);
		// Not forced: a head lost in a crash only lags what readers find after it (see ChainIndex).
		Files.move(staged, chains.resolve(head.chainId() + CHAIN_HEAD_SUFFIX), StandardCopyOption.ATOMIC_MOVE,
				StandardCopyOption.REPLACE_EXISTING);
	}

	Map<String, ChainHead> heads(String database) {
		Path chains = this.store.databaseDirectory(database).resolve(CHAINS_DIRECTORY);
		Map<String, ChainHead> heads = new java.util.TreeMap<>();
		try {
			if (!StoreFiles.existsAsRealDirectory(this.store.databaseDirectory(database)) || !StoreFiles.existsAsRealDirectory(chains)) {
				return heads;
			}
			try (DirectoryStream<Path> files = Files.newDirectoryStream(chains, "*" + CHAIN_HEAD_SUFFIX)) {
				for (Path file : files) {
					String name = file.getFileName().toString();
					ChainHead head = this.store.readManifestFile(file, "chain head", ChainHeadFormat::read);
					if (head != null && name.equals(head.chainId() + CHAIN_HEAD_SUFFIX) && head.database().equals(database)) {
						heads.put(head.chainId(), head);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot list chain heads in " + chains + ": " + LocalDirectoryBackupStore.reason(ex), ex);
		}
		return heads;
	}

	Optional<Segment> find(String database, String chainId, long sequence) {
		if (!BackupIds.isWellFormed(chainId) || sequence < 0) {
			return Optional.empty();
		}
		return find(database, Segment.idOf(chainId, sequence));
	}

	Optional<Segment> findBlock(String database, String chainId, int level, long from) {
		if (!BackupIds.isWellFormed(chainId) || from < 0 || level < 1 || level > 9) {
			return Optional.empty();
		}
		return find(database, Segment.blockIdOf(chainId, level, from));
	}

	private Optional<Segment> find(String database, String segmentId) {
		Path segments = this.store.databaseDirectory(database).resolve(SEGMENTS_DIRECTORY);
		try {
			if (!StoreFiles.existsAsRealDirectory(this.store.databaseDirectory(database)) || !StoreFiles.existsAsRealDirectory(segments)) {
				return Optional.empty();
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read segments in " + segments + ": " + LocalDirectoryBackupStore.reason(ex), ex);
		}
		Path manifest = segments.resolve(segmentId + SEGMENT_MANIFEST_SUFFIX);
		return Files.exists(manifest, LinkOption.NOFOLLOW_LINKS) ? Optional.ofNullable(readSegmentManifest(database, manifest))
				: Optional.empty();
	}

	boolean headsComplete(String database) {
		return Files.isRegularFile(this.store.databaseDirectory(database).resolve(CHAINS_DIRECTORY).resolve(HEADS_COMPLETE_FILE),
				LinkOption.NOFOLLOW_LINKS);
	}

	void markHeadsComplete(String database) throws IOException {
		Path chains = StoreFiles.ownDirectory(this.store.ownDatabaseDirectory(database).resolve(CHAINS_DIRECTORY));
		Files.writeString(chains.resolve(HEADS_COMPLETE_FILE), "every chain of this folder has a head record\n",
				StandardCharsets.US_ASCII, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
				StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
	}

	void deleteHead(String database, String chainId) throws IOException {
		Path chains = this.store.databaseDirectory(database).resolve(CHAINS_DIRECTORY);
		if (BackupIds.isWellFormed(chainId) && StoreFiles.existsAsRealDirectory(chains)) {
			Files.deleteIfExists(chains.resolve(chainId + CHAIN_HEAD_SUFFIX));
		}
	}

	StoredBackupFile open(Segment segment) throws IOException {
		Path segments = this.store.databaseDirectory(segment.database()).resolve(SEGMENTS_DIRECTORY);
		StoreFiles.existsAsRealDirectory(segments);
		Path file = segments.resolve(segment.id() + SEGMENT_MANIFEST_SUFFIX);
		Whole whole;
		try {
			whole = readWhole(file);
		}
		catch (NoSuchFileException ex) {
			whole = null;
		}
		if (whole != null) {
			// A file replaced since it was listed is refused by the size and SHA-256 of the segment planned.
			return new StoredPart(file, whole.framesLength());
		}
		Path data = segmentDataFile(segment);
		StoreFiles.checkRegularFile(data);
		return new LocalDirectoryBackupStore.LocalFile(data);
	}

	void delete(Segment segment) throws IOException {
		Path segments = this.store.databaseDirectory(segment.database()).resolve(SEGMENTS_DIRECTORY);
		if (!StoreFiles.existsAsRealDirectory(segments)) {
			return;
		}
		Files.deleteIfExists(segments.resolve(segment.id() + SEGMENT_MANIFEST_SUFFIX));
		Files.deleteIfExists(segmentDataFile(segment));
	}

	/** The stored frames of a segment kept whole in one file: that file's first bytes. */
	private record StoredPart(Path path, long length) implements StoredBackupFile {

		@Override
		public void close() {
		}

	}

	private record Whole(Segment segment, long framesLength) {
	}

	/** The frames file of a segment in the two-file layout of stores written before. */
	private Path segmentDataFile(Segment segment) {
		return this.store.databaseDirectory(segment.database()).resolve(SEGMENTS_DIRECTORY)
			.resolve(segment.id() + SEGMENT_DATA_SUFFIX + StoredForm.fileSuffixOf(segment.compression(),
					segment.encryptionKeyId() != null));
	}

}
