package dev.sqlitebackup.codec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The backup an encrypted stream belongs to. Format 2 streams add it to every chunk's associated
 * data, so that bytes copied under another backup id or database do not decrypt.
 *
 * @param database name of the database the backup was taken from
 * @param backupId id of the backup
 */
record StreamBinding(String database, String backupId) {

	StreamBinding {
		Objects.requireNonNull(database, "database");
		Objects.requireNonNull(backupId, "backupId");
	}

	/** Both names, each length-prefixed, so that no two bindings encode alike. */
	byte[] associatedData() {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			for (String name : new String[] { this.database, this.backupId }) {
				byte[] encoded = name.getBytes(StandardCharsets.UTF_8);
				out.writeInt(encoded.length);
				out.write(encoded);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		return bytes.toByteArray();
	}

}
