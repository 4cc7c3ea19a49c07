package dev.sqlitebackup.codec;

/** Run by {@link WithoutZstdTests} on a class path without zstd-jni. */
public final class WithoutZstdChild {

	private WithoutZstdChild() {
	}

	public static void main(String[] args) throws Exception {
		System.out.println("available " + BackupCodec.ZSTD.isAvailable());
		// The other codecs must not need the library.
		System.out.println("gzip " + new StoredForm(BackupCodec.GZIP, null).fileSuffix());
		try {
			new StoredForm(BackupCodec.ZSTD, null);
			System.out.println("refused false");
		}
		catch (IllegalStateException ex) {
			System.out.println("refused " + ex.getMessage());
		}
	}

}
