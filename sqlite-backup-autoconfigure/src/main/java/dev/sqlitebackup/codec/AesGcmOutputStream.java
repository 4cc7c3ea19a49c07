package dev.sqlitebackup.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts a stream in independently authenticated AES-GCM chunks, so that neither side ever holds
 * more than one chunk in memory.
 * <p>
 * Format: a header ({@code SQLBKAES}, version 1, chunk size, key id, 32-byte random salt), then
 * chunks of {@code chunkSize} plain bytes, each encrypted with a 16-byte tag; the last chunk
 * holds what is left (possibly nothing). The file key is derived from the master key and the
 * salt. Each chunk's nonce is its index plus a flag for the last chunk, and the header is its
 * associated data: a reordered, dropped, duplicated or appended chunk, a cut-off end or a
 * changed header fails authentication.
 */
final class AesGcmOutputStream extends OutputStream {

	static final byte[] MAGIC = "SQLBKAES".getBytes(StandardCharsets.US_ASCII);

	static final int VERSION = 1;

	static final int DEFAULT_CHUNK_SIZE = 1 << 18;

	static final int SALT_BYTES = 32;

	static final int TAG_BYTES = 16;

	private static final SecureRandom RANDOM = new SecureRandom();

	private final OutputStream target;

	private final SecretKeySpec key;

	private final byte[] header;

	private final byte[] chunk;

	private final byte[] sealed;

	private final Cipher cipher;

	private int filled;

	private long chunkIndex;

	private boolean closed;

	AesGcmOutputStream(OutputStream target, String keyId, BackupEncryption.FileKeys keys) throws IOException {
		this(target, keyId, keys, DEFAULT_CHUNK_SIZE);
	}

	AesGcmOutputStream(OutputStream target, String keyId, BackupEncryption.FileKeys keys, int chunkSize)
			throws IOException {
		this.target = target;
		byte[] salt = new byte[SALT_BYTES];
		RANDOM.nextBytes(salt);
		this.key = keys.fileKey(keyId, salt);
		this.header = header(chunkSize, keyId, salt);
		this.chunk = new byte[chunkSize];
		this.sealed = new byte[chunkSize + TAG_BYTES];
		try {
			this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("AES/GCM is not available", ex);
		}
		target.write(this.header);
	}

	private static byte[] header(int chunkSize, String keyId, byte[] salt) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
			out.write(MAGIC);
			out.writeByte(VERSION);
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
			this.cipher.updateAAD(this.header);
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
