package dev.sqlitebackup.benchmarks;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.github.luben.zstd.ZstdInputStream;

/**
 * Watches a replica's folder from outside, the same way for every tool, and notes for each writer
 * event when its marker ({@link ScheduledWriter#marker}) first appeared in a file there: a thread
 * looks every 50 ms, and reads every file that is new (or still growing) once it has appeared,
 * decoded to the raw WAL frames or pages it holds (LZ4 frames, as Litestream writes, and zstd, as
 * this starter does, are recognised by their magic numbers; anything else is read as it is).
 * Whole files are scanned, so it does not depend on how a tool lays its files out.
 * <p>
 * Snapshots are not read: only the time the first one appeared is noted, which is when the
 * replica became restorable. Files whose names say they are still being written are skipped
 * (Litestream's {@code .tmp}, S3Proxy's {@code <name>-<uuid>}), and so are folders whose names
 * start with a dot (this starter's staging, S3Proxy's multipart parts): only what a restore could
 * read counts. Both tools publish a file by renaming it into place, so a folder whose
 * modification time has not changed since it was last listed is not listed again, which keeps the
 * cost of a look flat however many segments accumulate; a file is still checked for growth during
 * the five seconds after it appeared.
 */
final class ReplicaWatcher implements AutoCloseable {

	private static final long POLL_MILLIS = 50;

	private static final long STILL_GROWING_MICROS = 5_000_000;

	/** Larger files are snapshots, whatever their names; segments of 200 commits a second are far smaller. */
	private static final long LARGEST_READ = 64L << 20;

	private static final Pattern IN_PROGRESS = Pattern
		.compile(".*(\\.tmp|-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$");

	private static final byte[] LZ4_MAGIC = { 0x04, 0x22, 0x4D, 0x18 };

	private static final byte[] ZSTD_MAGIC = { 0x28, (byte) 0xB5, 0x2F, (byte) 0xFD };

	private final Path root;

	private final Thread thread;

	private volatile boolean stopped;

	/** Each listed folder: its modification time and when it was listed, its entries. */
	private final Map<Path, Listing> listings = new HashMap<>();

	/** First sighting of each event's marker, wall-clock microseconds, 0 while unseen; indexed by event. */
	private long[] firstSeen = new long[1 << 16];

	private volatile long snapshotMicros;

	private volatile long lastChangeMicros;

	private long filesRead;

	private long bytesDecoded;

	private long grown;

	private ReplicaWatcher(Path root) {
		this.root = root;
		this.thread = new Thread(this::watch, "replica-watcher");
		this.thread.setDaemon(true);
	}

	/** Starts watching a folder, which may not exist yet. */
	static ReplicaWatcher start(Path root) {
		ReplicaWatcher watcher = new ReplicaWatcher(root);
		watcher.thread.start();
		return watcher;
	}

	private record Listing(long modifiedMillis, long listedMillis, Map<String, Entry> entries) {
	}

	private record Entry(boolean directory, long size, long firstSeenMicros) {
	}

	private void watch() {
		while (!this.stopped) {
			long now = ScheduledWriter.nowMicros();
			try {
				look(this.root, now);
			}
			catch (IOException | RuntimeException ex) {
				// A folder went away under the look (a tool renamed or deleted it): the next look sees the new state.
			}
			try {
				Thread.sleep(POLL_MILLIS);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	private void look(Path directory, long nowMicros) throws IOException {
		BasicFileAttributes attributes;
		try {
			attributes = Files.readAttributes(directory, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
		}
		catch (NoSuchFileException ex) {
			this.listings.remove(directory);
			return;
		}
		long modified = attributes.lastModifiedTime().toMillis();
		Listing listing = this.listings.get(directory);
		// A folder changed within a few ms of its last listing may have changed again within the same
		// tick of the file system's clock, so it is listed once more.
		if (listing == null || listing.modifiedMillis() != modified || modified >= listing.listedMillis() - 20) {
			listing = list(directory, listing, modified, nowMicros);
			this.listings.put(directory, listing);
		}
		for (Map.Entry<String, Entry> entry : listing.entries().entrySet()) {
			if (entry.getValue().directory()) {
				look(directory.resolve(entry.getKey()), nowMicros);
			}
		}
	}

	private Listing list(Path directory, Listing previous, long modified, long nowMicros) throws IOException {
		long listed = System.currentTimeMillis();
		Map<String, Entry> entries = new HashMap<>();
		try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
			for (Path child : children) {
				String name = child.getFileName().toString();
				if (name.startsWith(".") || IN_PROGRESS.matcher(name).matches()) {
					continue;
				}
				Entry known = (previous != null) ? previous.entries().get(name) : null;
				if (known != null && (known.directory() || nowMicros - known.firstSeenMicros() > STILL_GROWING_MICROS)) {
					entries.put(name, known);
					continue;
				}
				BasicFileAttributes attributes;
				try {
					attributes = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
				}
				catch (NoSuchFileException ex) {
					continue;
				}
				if (attributes.isDirectory()) {
					entries.put(name, new Entry(true, 0, nowMicros));
				}
				else if (attributes.isRegularFile()) {
					long size = attributes.size();
					entries.put(name, new Entry(false, size, (known != null) ? known.firstSeenMicros() : nowMicros));
					if (known == null || known.size() != size) {
						if (known != null) {
							this.grown++;
						}
						read(child, name, size, nowMicros);
					}
				}
			}
		}
		return new Listing(modified, listed, entries);
	}

	private void read(Path file, String name, long size, long nowMicros) throws IOException {
		this.lastChangeMicros = nowMicros;
		if (name.contains(".snapshot") || name.contains(".sqlite") || size > LARGEST_READ) {
			if (this.snapshotMicros == 0) {
				this.snapshotMicros = nowMicros;
			}
			return;
		}
		byte[] bytes;
		try {
			bytes = Files.readAllBytes(file);
		}
		catch (NoSuchFileException ex) {
			return;
		}
		this.filesRead++;
		byte[] decoded = decode(bytes);
		this.bytesDecoded += decoded.length;
		scan(decoded, nowMicros);
		if (decoded != bytes) {
			scan(bytes, nowMicros);
		}
	}

	/** The bytes a file holds once decompressed, as far as they can be decoded. */
	static byte[] decode(byte[] bytes) {
		if (startsWith(bytes, LZ4_MAGIC)) {
			return Lz4Frames.decode(bytes);
		}
		if (startsWith(bytes, ZSTD_MAGIC)) {
			return zstd(bytes);
		}
		return bytes;
	}

	private static boolean startsWith(byte[] bytes, byte[] magic) {
		return bytes.length >= magic.length && Arrays.equals(bytes, 0, magic.length, magic, 0, magic.length);
	}

	/**
	 * Decompresses zstd frames up to the first bytes that are not one: a segment object in a bucket
	 * has its manifest and footer after its frames.
	 */
	private static byte[] zstd(byte[] bytes) {
		ByteArrayOutputStream decoded = new ByteArrayOutputStream(bytes.length * 4);
		try (InputStream input = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
			byte[] buffer = new byte[1 << 16];
			int read;
			while ((read = input.read(buffer)) >= 0) {
				decoded.write(buffer, 0, read);
			}
		}
		catch (IOException ex) {
			// Past the frames: what came before is all there is to scan.
		}
		return decoded.toByteArray();
	}

	private void scan(byte[] bytes, long nowMicros) {
		int last = bytes.length - ScheduledWriter.MARKER_LENGTH;
		for (int at = 0; at <= last; at++) {
			if (bytes[at] != 'e' || bytes[at + 1] != 'v' || bytes[at + 2] != '#'
					|| bytes[at + ScheduledWriter.MARKER_LENGTH - 1] != '#') {
				continue;
			}
			long index = 0;
			int digit = 3;
			for (; digit < ScheduledWriter.MARKER_LENGTH - 1; digit++) {
				byte b = bytes[at + digit];
				if (b < '0' || b > '9') {
					break;
				}
				index = index * 10 + (b - '0');
			}
			if (digit == ScheduledWriter.MARKER_LENGTH - 1 && index < Integer.MAX_VALUE) {
				seen((int) index, nowMicros);
			}
		}
	}

	private void seen(int index, long nowMicros) {
		if (index >= this.firstSeen.length) {
			this.firstSeen = Arrays.copyOf(this.firstSeen, Math.max(index + 1, this.firstSeen.length * 2));
		}
		if (this.firstSeen[index] == 0) {
			this.firstSeen[index] = nowMicros;
		}
	}

	/** Stops watching; the figures below are final from then on. */
	@Override
	public void close() throws InterruptedException {
		this.stopped = true;
		this.thread.interrupt();
		this.thread.join();
	}

	/** When an event's marker was first seen, wall-clock microseconds; 0 when it never was. Call after {@link #close}. */
	long firstSeenMicros(int index) {
		return (index < this.firstSeen.length) ? this.firstSeen[index] : 0;
	}

	/** When the first snapshot appeared, wall-clock microseconds; 0 while none has. */
	long snapshotMicros() {
		return this.snapshotMicros;
	}

	/** When a file last appeared or grew, wall-clock microseconds; 0 while none has. */
	long lastChangeMicros() {
		return this.lastChangeMicros;
	}

	@Override
	public String toString() {
		return this.filesRead + " files read (" + (this.bytesDecoded >> 10) + " KiB decoded), " + this.grown
				+ " seen growing";
	}

	/** Files and bytes a restore could read: what this watcher counts, snapshots included. */
	static long[] filesAndBytes(Path root) throws IOException {
		long files = 0;
		long bytes = 0;
		if (!Files.isDirectory(root)) {
			return new long[] { 0, 0 };
		}
		List<Path> found = new ArrayList<>();
		try (Stream<Path> paths = Files.walk(root)) {
			paths.filter(Files::isRegularFile)
				.filter((path) -> {
					for (Path part : root.relativize(path)) {
						if (part.toString().startsWith(".")) {
							return false;
						}
					}
					return !IN_PROGRESS.matcher(path.getFileName().toString()).matches();
				})
				.forEach(found::add);
		}
		for (Path path : found) {
			try {
				bytes += Files.size(path);
				files++;
			}
			catch (NoSuchFileException ex) {
				// Gone since the walk.
			}
		}
		return new long[] { files, bytes };
	}

	/**
	 * Decoder of the LZ4 frame format (magic, frame descriptor, blocks until an empty one, optional
	 * checksums, which are skipped, not checked), with blocks decoded into one output so that blocks
	 * that refer back into earlier ones decode too. A frame cut short yields what came before the cut.
	 */
	static final class Lz4Frames {

		private static final int FRAME_MAGIC = 0x184D2204;

		private byte[] output;

		private int length;

		private Lz4Frames(int capacity) {
			this.output = new byte[Math.max(capacity, 1024)];
		}

		static byte[] decode(byte[] input) {
			Lz4Frames frames = new Lz4Frames(input.length * 4);
			try {
				frames.frames(input);
			}
			catch (RuntimeException ex) {
				// Cut short or not LZ4 after all: what was decoded so far is kept.
			}
			return Arrays.copyOf(frames.output, frames.length);
		}

		private void frames(byte[] input) {
			int at = 0;
			while (at + 4 <= input.length) {
				int magic = littleEndian(input, at);
				if ((magic & 0xFFFFFFF0) == 0x184D2A50) {
					// A skippable frame: its length follows the magic.
					at += 8 + littleEndian(input, at + 4);
					continue;
				}
				if (magic != FRAME_MAGIC) {
					return;
				}
				int flags = input[at + 4] & 0xFF;
				boolean blockChecksums = (flags & 0x10) != 0;
				boolean contentSize = (flags & 0x08) != 0;
				boolean contentChecksum = (flags & 0x04) != 0;
				boolean dictionary = (flags & 0x01) != 0;
				at += 4 + 2 + (contentSize ? 8 : 0) + (dictionary ? 4 : 0) + 1;
				while (true) {
					int size = littleEndian(input, at);
					at += 4;
					if (size == 0) {
						break;
					}
					boolean stored = (size & 0x80000000) != 0;
					size &= 0x7FFFFFFF;
					if (stored) {
						append(input, at, size);
					}
					else {
						block(input, at, at + size);
					}
					at += size + (blockChecksums ? 4 : 0);
				}
				at += contentChecksum ? 4 : 0;
			}
		}

		/** One compressed block: sequences of literals and a match copied from earlier output. */
		private void block(byte[] input, int from, int to) {
			int at = from;
			while (at < to) {
				int token = input[at++] & 0xFF;
				int literals = token >>> 4;
				if (literals == 15) {
					int more;
					do {
						more = input[at++] & 0xFF;
						literals += more;
					}
					while (more == 255);
				}
				append(input, at, literals);
				at += literals;
				if (at >= to) {
					return; // the last sequence has literals only
				}
				int offset = (input[at] & 0xFF) | ((input[at + 1] & 0xFF) << 8);
				at += 2;
				int match = token & 0x0F;
				if (match == 15) {
					int more;
					do {
						more = input[at++] & 0xFF;
						match += more;
					}
					while (more == 255);
				}
				match += 4;
				if (offset == 0 || offset > this.length) {
					throw new IllegalStateException("LZ4 match before the start of the output");
				}
				ensure(match);
				// Byte by byte: a match may overlap the bytes it is producing.
				for (int i = 0; i < match; i++) {
					this.output[this.length] = this.output[this.length - offset];
					this.length++;
				}
			}
		}

		private void append(byte[] input, int from, int count) {
			if (from + count > input.length) {
				throw new IllegalStateException("LZ4 literals past the end of the input");
			}
			ensure(count);
			System.arraycopy(input, from, this.output, this.length, count);
			this.length += count;
		}

		private void ensure(int more) {
			if (this.length + more > this.output.length) {
				this.output = Arrays.copyOf(this.output, Math.max(this.length + more, this.output.length * 2));
			}
		}

		private static int littleEndian(byte[] bytes, int at) {
			return (bytes[at] & 0xFF) | ((bytes[at + 1] & 0xFF) << 8) | ((bytes[at + 2] & 0xFF) << 16)
					| ((bytes[at + 3] & 0xFF) << 24);
		}

	}

}
