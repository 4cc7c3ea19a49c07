package dev.sqlitebackup.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Encrypts a stream in independently authenticated AES-GCM chunks, so that neither side ever holds
 * more than one chunk in memory.
 * <p>
 * Format: a header ({@code SQLBKAES}, version, chunk size, key id, 32-byte random salt), then
 * chunks of {@code chunkSize} plain bytes, each encrypted with a 16-byte tag; the last chunk
 * holds what is left (possibly nothing). The file key is derived from the master key and the
 * salt. Each chunk's nonce is its index plus a flag for the last chunk, and its associated data is
 * the header, followed in version 2 by the database name and backup id the stream belongs to
 * ({@link StreamBinding}), which the reader supplies from the manifest and the file never holds: a
 * reordered, dropped, duplicated or appended chunk, a cut-off end, a changed header, or bytes
 * presented as another backup fail authentication. Version 1, bound to no backup, is what backups
 * were written with before manifests were authenticated.
 */
final class AesGcmOutputStream extends OutputStream {

	static final byte[] MAGIC = "SQLBKAES".getBytes(StandardCharsets.US_ASCII);

	/** Stream bound to no backup: written before manifests were authenticated. */
	static final int VERSION_UNBOUND = 1;

	/** Stream bound to a database name and backup id. */
	static final int VERSION_BOUND = 2;

	static final int DEFAULT_CHUNK_SIZE = 1 << 18;

	static final int SALT_BYTES = 32;

	static final int TAG_BYTES = 16;

	private static final SecureRandom RANDOM = new SecureRandom();

	private final OutputStream target;

	private final SecretKeySpec key;

	private final byte[] associatedData;

	private final byte[] chunk;

	private final byte[] sealed;

	private final Cipher cipher;

	private int filled;

	private long chunkIndex;

	private boolean closed;

	/**
	 * Starts a stream.
	 * @param binding backup the stream belongs to; {@code null} writes a version 1 stream
	 */
	AesGcmOutputStream(OutputStream target, String keyId, BackupEncryption.FileKeys keys, int chunkSize,
			@Nullable StreamBinding binding) throws IOException {
		this.target = target;
		byte[] salt = new byte[SALT_BYTES];
		RANDOM.nextBytes(salt);
		this.key = keys.fileKey(keyId, salt);
		byte[] header = header((binding != null) ? VERSION_BOUND : VERSION_UNBOUND, chunkSize, keyId, salt);
		this.associatedData = associatedData(header, binding);
		this.chunk = new byte[chunkSize];
		this.sealed = new byte[chunkSize + TAG_BYTES];
		try {
			this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES/GCM is not available", ex);
		}
		target.write(header);
	}

	/** What every chunk of a stream authenticates besides its own bytes. */
	static byte[] associatedData(byte[] header, @Nullable StreamBinding binding) {
		if (binding == null) {
			return header;
		}
		byte[] bound = binding.associatedData();
		byte[] data = Arrays.copyOf(header, header.length + bound.length);
		System.arraycopy(bound, 0, data, header.length, bound.length);
		return data;
	}

	private static byte[] header(int version, int chunkSize, String keyId, byte[] salt) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
			out.write(MAGIC);
			out.writeByte(version);
			out.writeInt(chunkSize);
			out.writeByte(id.length);
			out.write(id);
			out.write(salt);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return bytes.toByteArray();
	}

	static GCMParameterSpec nonce(long chunkIndex, boolean last) {
		byte[] nonce = ByteBuffer.allocate(12).putLong(chunkIndex).put(11, (byte) (last ? 1 : 0)).array();
		return new GCMParameterSpec(TAG_BYTES * 8, nonce);
	}

	@Override
	public void write(int b) throws IOException {
		write(new byte[] { (byte) b }, 0, 1);
	}

	@Override
	public void write(byte[] bytes, int offset, int length) throws IOException {
		ensureOpen();
		while (length > 0) {
			// A full chunk is only sealed once more bytes arrive: only close() knows which one is last.
			if (this.filled == this.chunk.length) {
				seal(false);
			}
			int n = Math.min(length, this.chunk.length - this.filled);
			System.arraycopy(bytes, offset, this.chunk, this.filled, n);
			this.filled += n;
			offset += n;
			length -= n;
		}
	}

	private void seal(boolean last) throws IOException {
		try {
			this.cipher.init(Cipher.ENCRYPT_MODE, this.key, nonce(this.chunkIndex, last));
			this.cipher.updateAAD(this.associatedData);
			int n = this.cipher.doFinal(this.chunk, 0, this.filled, this.sealed, 0);
			this.target.write(this.sealed, 0, n);
		}
		catch (GeneralSecurityException ex) {
			throw new IOException("Could not encrypt the backup: " + ex.getMessage(), ex);
		}
		this.chunkIndex++;
		this.filled = 0;
	}

	private void ensureOpen() throws IOException {
		if (this.closed) {
			throw new IOException("Stream closed");
		}
	}

	@Override
	public void flush() throws IOException {
		this.target.flush();
	}

	@Override
	public void close() throws IOException {
		if (this.closed) {
			return;
		}
		this.closed = true;
		try {
			seal(true);
			this.target.flush();
		}
		finally {
			this.target.close();
		}
	}

}
