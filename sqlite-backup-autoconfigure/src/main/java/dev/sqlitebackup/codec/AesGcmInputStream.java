package dev.sqlitebackup.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Reads what {@link AesGcmOutputStream} wrote. Every chunk is authenticated before any of its
 * bytes are returned, and the stream only ends after a chunk sealed as the last one. A version 2
 * stream is authenticated as the backup the reader expects; a version 1 stream only when the
 * reader accepts unbound streams.
 */
final class AesGcmInputStream extends InputStream {

	/** Larger chunks would only be written by a damaged or hostile file; refused before allocating. */
	private static final int MAX_CHUNK_SIZE = 1 << 24;

	private final DataInputStream source;

	private final BackupEncryption.FileKeys keys;

	private final StreamBinding expected;

	private final boolean acceptUnbound;

	private byte @Nullable [] associatedData;

	private String keyId = "";

	private SecretKeySpec key;

	private Cipher cipher;

	private byte[] sealed = new byte[0];

	private byte[] plain = new byte[0];

	private int plainLength;

	private int position;

	private long chunkIndex;

	private boolean lastRead;

	private int lookahead = -1;

	AesGcmInputStream(InputStream source, BackupEncryption.FileKeys keys, StreamBinding expected,
			boolean acceptUnbound) {
		this.source = new DataInputStream(source);
		this.keys = keys;
		this.expected = expected;
		this.acceptUnbound = acceptUnbound;
	}

	private void readHeader() throws IOException {
		ByteArrayOutputStream header = new ByteArrayOutputStream();
		byte[] magic = readFully(AesGcmOutputStream.MAGIC.length, header);
		if (!Arrays.equals(magic, AesGcmOutputStream.MAGIC)) {
			throw new BackupDecryptionException("it is not an encrypted backup (no SQLBKAES header)");
		}
		int version = readFully(1, header)[0];
		if (version == AesGcmOutputStream.VERSION_UNBOUND && !this.acceptUnbound) {
			throw new BackupDecryptionException("its bytes use encryption format 1, which names no backup, but its "
					+ "manifest is authenticated, and authenticated backups are always written in format 2: the "
					+ "bytes were put there from another backup");
		}
		if (version != AesGcmOutputStream.VERSION_UNBOUND && version != AesGcmOutputStream.VERSION_BOUND) {
			throw new BackupDecryptionException("it uses encryption format version " + version
					+ ", which this version cannot read");
		}
		byte[] size = readFully(4, header);
		int chunkSize = ((size[0] & 0xff) << 24) | ((size[1] & 0xff) << 16) | ((size[2] & 0xff) << 8) | (size[3] & 0xff);
		if (chunkSize <= 0 || chunkSize > MAX_CHUNK_SIZE) {
			throw new BackupDecryptionException("its encryption header is damaged (chunk size " + chunkSize + ")");
		}
		int idLength = readFully(1, header)[0] & 0xff;
		this.keyId = new String(readFully(idLength, header), StandardCharsets.UTF_8);
		byte[] salt = readFully(AesGcmOutputStream.SALT_BYTES, header);
		this.associatedData = AesGcmOutputStream.associatedData(header.toByteArray(),
				(version == AesGcmOutputStream.VERSION_BOUND) ? this.expected : null);
		this.key = this.keys.fileKey(this.keyId, salt);
		this.sealed = new byte[chunkSize + AesGcmOutputStream.TAG_BYTES];
		this.plain = new byte[chunkSize];
		try {
			this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES/GCM is not available", ex);
		}
	}

	private byte[] readFully(int length, ByteArrayOutputStream header) throws IOException {
		byte[] bytes = new byte[length];
		try {
			this.source.readFully(bytes);
		}
		catch (EOFException ex) {
			throw new BackupDecryptionException("it is cut short inside its encryption header", ex);
		}
		header.write(bytes);
		return bytes;
	}

	/** Reads, authenticates and decrypts the next chunk; false at the end. */
	private boolean nextChunk() throws IOException {
		if (this.associatedData == null) {
			readHeader();
		}
		if (this.lastRead) {
			return false;
		}
		int filled = 0;
		if (this.lookahead >= 0) {
			this.sealed[filled++] = (byte) this.lookahead;
			this.lookahead = -1;
		}
		filled += this.source.readNBytes(this.sealed, filled, this.sealed.length - filled);
		// Only a chunk with nothing after it may be the last one; peeking one byte tells.
		boolean last = filled < this.sealed.length || (this.lookahead = this.source.read()) < 0;
		if (filled < AesGcmOutputStream.TAG_BYTES) {
			throw new BackupDecryptionException("it is cut short (chunk " + this.chunkIndex + " is incomplete)");
		}
		try {
			this.cipher.init(Cipher.DECRYPT_MODE, this.key, AesGcmOutputStream.nonce(this.chunkIndex, last));
			this.cipher.updateAAD(this.associatedData);
			this.plainLength = this.cipher.doFinal(this.sealed, 0, filled, this.plain, 0);
		}
		catch (AEADBadTagException ex) {
			throw new BackupDecryptionException("it fails authentication at chunk " + this.chunkIndex
					+ ": it was changed, cut short or reordered, it belongs to another backup than " + this.expected.backupId()
					+ " of database '" + this.expected.database() + "', or key '" + this.keyId
					+ "' is not the key it was encrypted with", ex);
		}
		catch (GeneralSecurityException ex) {
			throw new BackupDecryptionException("it cannot be decrypted: " + ex.getMessage(), ex);
		}
		this.position = 0;
		this.chunkIndex++;
		this.lastRead = last;
		return true;
	}

	@Override
	public int read() throws IOException {
		byte[] one = new byte[1];
		int n = read(one, 0, 1);
		return (n < 0) ? -1 : (one[0] & 0xff);
	}

	@Override
	public int read(byte[] bytes, int offset, int length) throws IOException {
		if (length == 0) {
			return 0;
		}
		while (this.position == this.plainLength) {
			if (!nextChunk()) {
				return -1;
			}
		}
		int n = Math.min(length, this.plainLength - this.position);
		System.arraycopy(this.plain, this.position, bytes, offset, n);
		this.position += n;
		return n;
	}

	@Override
	public void close() throws IOException {
		this.source.close();
	}

}
