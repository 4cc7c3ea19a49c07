package dev.sqlitebackup.codec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

import org.jspecify.annotations.Nullable;


/**
 * The form a backup is stored in: compressed with a codec, then, when configured, encrypted. The
 * engine verifies the plain SQLite file first and only then encodes it; a restore decodes into a
 * plain file again before any SQLite check.
 *
 * @param compression codec of new backups
 * @param encryption keys that encrypt new backups and decrypt old ones; {@code null} for none
 */
public record StoredForm(BackupCodec compression, @Nullable BackupEncryption encryption) {

	/** Plain SQLite files, the default. */
	public static final StoredForm PLAIN = new StoredForm(BackupCodec.NONE, null);

	private static final int BUFFER_SIZE = 1 << 16;

	public StoredForm {
		Objects.requireNonNull(compression, "compression");
		compression.requireAvailable();
	}

	/** Whether new backups are stored as the plain SQLite file itself. */
	public boolean isPlain() {
		return this.compression == BackupCodec.NONE && this.encryption == null;
	}

	/** Id of the key new backups are encrypted with, or {@code null} when they are not encrypted. */
	public @Nullable String encryptionKeyId() {
		return (this.encryption != null) ? this.encryption.currentKeyId() : null;
	}

	/** What the file name of a new backup gets after {@code .sqlite}. */
	public String fileSuffix() {
		return this.compression.fileSuffix() + ((this.encryption != null) ? BackupEncryption.FILE_SUFFIX : "");
	}

	/**
	 * What the file name of a stored backup has after {@code .sqlite}, from its manifest.
	 * @throws IllegalArgumentException when the manifest names an unknown codec
	 */
	public static String fileSuffixOf(String compression, boolean encrypted) {
		return BackupCodec.named(compression).fileSuffix() + (encrypted ? BackupEncryption.FILE_SUFFIX : "");
	}

	/**
	 * Writes the stored form of a plain file to a new file and fsyncs it, starting write-back as it
	 * goes ({@link WriteBackOutputStream}). Encrypted bytes are bound
	 * to the backup: they decrypt only as that backup of that database.
	 * @param database name of the database the backup was taken from
	 * @param backupId id the backup is published under
	 * @return size and SHA-256 of the stored bytes, computed while writing them
	 */
	public Encoded encode(Path plain, Path target, String database, String backupId) throws IOException {
		MessageDigest digest = sha256();
		CountingOutputStream counted;
		try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
				OutputStream file = new WriteBackOutputStream(channel);
				InputStream input = Files.newInputStream(plain)) {
			counted = new CountingOutputStream(new DigestOutputStream(file, digest));
			// Compress, then encrypt: encrypted bytes do not compress.
			OutputStream stored = (this.encryption != null) ? this.encryption.encrypt(counted, database, backupId)
					: counted;
			try (OutputStream compressed = this.compression.compress(stored)) {
				input.transferTo(compressed);
			}
		}
		try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
			channel.force(true);
		}
		return new Encoded(counted.count, HexFormat.of().formatHex(digest.digest()));
	}

	/**
	 * Decodes a stored backup into a new plain file, whatever codec and key it was stored with, as
	 * long as its key is configured here. Encrypted bytes must belong to this backup (its database
	 * and id); bytes encrypted before streams named their backup are read only for a manifest
	 * without a MAC. Decoding stops as soon as the output grows past the size the manifest implies
	 * (page size times page count), so that a small hostile file cannot fill the disk; on any
	 * failure the partial output is deleted.
	 * @throws BackupDecryptionException when it is encrypted and cannot be decrypted
	 * @throws OversizedBackupException when it decodes to more than its manifest implies
	 * @throws IOException when it cannot be read or decompressed (damaged)
	 */
	public void decode(Encoding backup, Path stored, Path target) throws IOException {
		decode(backup, stored, Long.MAX_VALUE, target);
	}

	/**
	 * Decodes the first {@code length} bytes of a file as {@link #decode(Encoding, Path, Path)}
	 * does: the stored frames of a segment kept whole with its manifest after them.
	 */
	public void decode(Encoding backup, Path stored, long length, Path target) throws IOException {
		BackupCodec codec = BackupCodec.named(backup.compression());
		codec.requireAvailable();
		if (backup.isEncrypted() && this.encryption == null) {
			throw new BackupDecryptionException("it is encrypted with key '" + backup.encryptionKeyId()
					+ "', but no encryption key is configured");
		}
		boolean complete = false;
		try (InputStream file = new BufferedInputStream(new BoundedInputStream(Files.newInputStream(stored), length),
				BUFFER_SIZE);
				OutputStream output = new BoundedOutputStream(Files.newOutputStream(target,
						StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), backup.plainSizeBytes())) {
			InputStream decrypted = (backup.isEncrypted()) ? Objects.requireNonNull(this.encryption)
				.decrypt(file, backup.database(), backup.backupId(), backup.preMac()) : file;
			try (InputStream plain = codec.decompress(decrypted)) {
				plain.transferTo(output);
				// A decompressor stops at the end of its data; reading on authenticates every
				// remaining chunk and refuses anything appended inside the encryption.
				if (decrypted != file && decrypted.read() >= 0) {
					throw new BackupDecryptionException("it holds data after the end of the compressed backup");
				}
			}
			complete = true;
		}
		finally {
			if (!complete) {
				Files.deleteIfExists(target);
			}
		}
	}

	private static MessageDigest sha256() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * How one stored backup was encoded, as its manifest says: what decoding it needs.
	 *
	 * @param compression codec name of the stored bytes
	 * @param encryptionKeyId key the bytes are encrypted with, {@code null} when they are not
	 * @param database name of the database the backup was taken from, which encrypted bytes are bound to
	 * @param backupId id of the backup, which encrypted bytes are bound to
	 * @param preMac whether the manifest has no MAC, so that bytes encrypted before streams named their
	 * backup are accepted
	 * @param plainSizeBytes size the decoded bytes may reach at most (page size times page count)
	 */
	public record Encoding(String compression, @Nullable String encryptionKeyId, String database, String backupId,
			boolean preMac, long plainSizeBytes) {

		/** Whether the stored bytes are encrypted. */
		public boolean isEncrypted() {
			return this.encryptionKeyId != null;
		}

	}

	/**
	 * Size and hex SHA-256 of stored bytes.
	 *
	 * @param sizeBytes number of bytes written
	 * @param sha256 hex SHA-256 of those bytes
	 */
	public record Encoded(long sizeBytes, String sha256) {
	}

	/** Refuses to write past a limit, before the bytes that would cross it reach the file. */
	private static final class BoundedOutputStream extends java.io.FilterOutputStream {

		private final long limit;

		private long written;

		BoundedOutputStream(OutputStream target, long limit) {
			super(target);
			this.limit = limit;
		}

		@Override
		public void write(int b) throws IOException {
			write(new byte[] { (byte) b }, 0, 1);
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			if (length > this.limit - this.written) {
				throw new OversizedBackupException("it decodes to more than the " + this.limit
						+ " bytes its manifest implies (page size x page count); decoding was stopped there");
			}
			this.out.write(bytes, offset, length);
			this.written += length;
		}

	}

	/** Counts what passes through, so that the size needs no second look at the file. */
	private static final class CountingOutputStream extends java.io.FilterOutputStream {

		private long count;

		CountingOutputStream(OutputStream target) {
			super(target);
		}

		@Override
		public void write(int b) throws IOException {
			this.out.write(b);
			this.count++;
		}

		@Override
		public void write(byte[] bytes, int offset, int length) throws IOException {
			this.out.write(bytes, offset, length);
			this.count += length;
		}

	}

}
