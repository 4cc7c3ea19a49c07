package dev.sqlitebackup.codec;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A compression codec for stored backups: {@code none}, {@code gzip} (JDK) or {@code zstd}
 * (zstd-jni, an optional dependency). The name is what manifests record.
 */
public enum BackupCodec {

	/** Plain SQLite file: opens in any SQLite tool as it is. */
	NONE("none", "") {

		@Override
		public OutputStream compress(OutputStream target) {
			return target;
		}

		@Override
		public InputStream decompress(InputStream source) {
			return source;
		}

	},

	/** gzip from the JDK: slower and larger than zstd, but needs nothing else. */
	GZIP("gzip", ".gz") {

		@Override
		public OutputStream compress(OutputStream target) throws IOException {
			return new GZIPOutputStream(target, BUFFER_SIZE);
		}

		@Override
		public InputStream decompress(InputStream source) throws IOException {
			return new GZIPInputStream(source, BUFFER_SIZE);
		}

	},

	/** Zstandard through zstd-jni. */
	ZSTD("zstd", ".zst") {

		@Override
		public OutputStream compress(OutputStream target) throws IOException {
			requireAvailable();
			return Zstd.compress(target);
		}

		@Override
		public InputStream decompress(InputStream source) throws IOException {
			requireAvailable();
			return Zstd.decompress(source);
		}

		@Override
		public boolean isAvailable() {
			return zstdPresent();
		}

	};

	static final int BUFFER_SIZE = 1 << 16;

	private final String codecName;

	private final String fileSuffix;

	BackupCodec(String codecName, String fileSuffix) {
		this.codecName = codecName;
		this.fileSuffix = fileSuffix;
	}

	/** Name recorded in manifests and used in configuration. */
	public String codecName() {
		return this.codecName;
	}

	/** What the stored file name gets after {@code .sqlite}, such as {@code .zst}. */
	public String fileSuffix() {
		return this.fileSuffix;
	}

	/** Wraps a stream so that what is written to the result arrives compressed; closing finishes it. */
	public abstract OutputStream compress(OutputStream target) throws IOException;

	/** Wraps a stream of compressed bytes so that reading gives the original ones. */
	public abstract InputStream decompress(InputStream source) throws IOException;

	/** Whether the libraries this codec needs are on the class path. */
	public boolean isAvailable() {
		return true;
	}

	void requireAvailable() {
		if (!isAvailable()) {
			throw new IllegalStateException("Compression '" + this.codecName
					+ "' needs com.github.luben:zstd-jni on the class path; add it as a dependency");
		}
	}

	/**
	 * The codec with this name, case-insensitively.
	 * @throws IllegalArgumentException when no codec has that name
	 */
	public static BackupCodec named(String name) {
		String wanted = name.trim().toLowerCase(Locale.ROOT);
		for (BackupCodec codec : values()) {
			if (codec.codecName.equals(wanted)) {
				return codec;
			}
		}
		throw new IllegalArgumentException("Unknown compression '" + name + "'; use one of "
				+ List.of(values()).stream().map(BackupCodec::codecName).toList());
	}

	/** Checked here, not in {@link Zstd}: verifying that class may already need the library. */
	private static boolean zstdPresent() {
		try {
			Class.forName("com.github.luben.zstd.ZstdOutputStream", false, BackupCodec.class.getClassLoader());
			return true;
		}
		catch (ClassNotFoundException | LinkageError ex) {
			return false;
		}
	}

	/**
	 * Keeps every reference to zstd-jni in one class that is only loaded when zstd is used, so that
	 * the other codecs work without the library.
	 */
	private static final class Zstd {

		/** Level 3 is zstd's default: much faster than gzip at a better ratio. */
		private static final int LEVEL = 3;

		static OutputStream compress(OutputStream target) throws IOException {
			com.github.luben.zstd.ZstdOutputStream stream = new com.github.luben.zstd.ZstdOutputStream(target, LEVEL);
			// zstd's own content checksum catches corruption even where no SHA-256 is checked.
			stream.setChecksum(true);
			return stream;
		}

		static InputStream decompress(InputStream source) throws IOException {
			return new com.github.luben.zstd.ZstdInputStream(source);
		}

	}

}
