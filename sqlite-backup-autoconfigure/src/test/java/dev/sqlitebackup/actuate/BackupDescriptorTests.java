package dev.sqlitebackup.actuate;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.BackupTrigger;
import dev.sqlitebackup.VerifyMode;
import dev.sqlitebackup.actuate.SqliteBackupDescriptors.BackupDescriptor;

import static org.assertj.core.api.Assertions.assertThat;

/** What the endpoint shows of a backup's manifest. */
class BackupDescriptorTests {

	@Test
	void encryptedBackupShowsTheIdOfTheKeyARestoreNeeds() {
		BackupDescriptor descriptor = BackupDescriptor.of(backup("2026-05"));
		assertThat(descriptor.encrypted()).isTrue();
		assertThat(descriptor.encryptionKeyId()).isEqualTo("2026-05");
	}

	@Test
	void plainBackupShowsNoKey() {
		BackupDescriptor descriptor = BackupDescriptor.of(backup(null));
		assertThat(descriptor.encrypted()).isFalse();
		assertThat(descriptor.encryptionKeyId()).isNull();
	}

	private static Backup backup(String keyId) {
		return new Backup("20261124T000000000Z-000000", "dataSource", Instant.parse("2026-11-24T00:00:00Z"), 4096,
				"0".repeat(64), 4096, 1, "wal", "3.54.1", "zstd", true, VerifyMode.QUICK, Duration.ofMillis(5),
				BackupTrigger.MANUAL, keyId);
	}

}
