package dev.sqlitebackup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.BackupEncryption;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * With a key configured, whoever can write to the store cannot choose what gets restored:
 * manifests carry a MAC, encrypted bytes are bound to their database and id, and backups that
 * cannot be authenticated neither restore nor count as the newest backup.
 */
class ManifestAuthenticationTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	private final BackupEncryption keyA = BackupEncryption.of("a", EncryptionTests.key(1), Map.of());

	@BeforeEach
	void createDatabase() throws Exception {
		this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
		TestDatabases.createNotes(this.dataSource, "real");
	}

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@Test
	void newEncryptedBackupHasAnAuthenticatedFormat2Manifest() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		Backup backup = template.backup("app");
		assertThat(backup.manifestMac()).matches("[0-9a-f]{64}");
		assertThat(manifest(backup.id())).contains("format=2", "mac=" + backup.manifestMac());
		assertThat(template.getAuthenticity().trustOf(template.get("app", backup.id())))
			.isEqualTo(BackupAuthenticity.Trust.AUTHENTICATED);
	}

	@Test
	void plantedPlaintextBackupWithALaterIdIsRefusedForRestore() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		template.backup("app");
		Backup planted = plantPlaintext(Instant.now().plusSeconds(60));
		assertThat(template.list("app").get(0).id()).as("listed, newest first").isEqualTo(planted.id());

		assertThatExceptionOfType(UntrustedBackupException.class)
			.isThrownBy(() -> template.restore("app", planted.id()))
			.withMessageContaining("is not encrypted")
			.withMessageContaining("sqlite.backup.encryption.allow-unencrypted-restore=true")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("real");
		assertThat(template.list("app")).noneMatch(Backup::isSafetyBackup);
		assertThat(template.verify("app", planted.id()).problems()).anyMatch((p) -> p.contains("is not encrypted"));
	}

	@Test
	void plantedPlaintextBackupDoesNotPushRealBackupsOutOfKeepLast() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		Backup real = template.backup("app");
		Backup planted = plantPlaintext(Instant.now().plusSeconds(60));
		assertThat(template.getAuthenticity().counts(planted)).isFalse();

		template.prune("app", new RetentionPolicy(1, null));
		assertThat(template.list("app")).extracting(Backup::id).contains(real.id());
	}

	@Test
	void untrustedBackupsOlderThanTheOldestKeptOneArePruned() throws Exception {
		Backup old = plantPlaintext(Instant.now().minusSeconds(3600));
		SqliteBackupTemplate template = template(this.keyA);
		Backup first = template.backup("app");
		Backup second = template.backup("app");
		List<Backup> deleted = template.prune("app", new RetentionPolicy(1, null));
		assertThat(deleted).extracting(Backup::id).containsExactlyInAnyOrder(first.id(), old.id());
		assertThat(template.list("app")).extracting(Backup::id).containsExactly(second.id());
	}

	@Test
	void plantedPlaintextBackupRestoresWhenUnencryptedRestoreIsAllowed() throws Exception {
		SqliteBackupTemplate template = template(this.keyA.withUnencryptedRestoreAllowed(true));
		template.backup("app");
		Backup planted = plantPlaintext(Instant.now().plusSeconds(60));
		template.restore("app", planted.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("planted");
		assertThat(template.getAuthenticity().counts(planted)).as("still never the newest").isFalse();
	}

	@Test
	void olderEncryptedBytesCopiedUnderANewerIdAreRefusedByTheMac() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		Backup older = template.backup("app");
		TestDatabases.addNote(this.dataSource, "newer");
		Backup newer = template.backup("app");
		Path newerFile = dataFile(newer);
		Files.copy(dataFile(older), newerFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		writeManifest(withStoredBytesOf(newer, newerFile));

		assertThatExceptionOfType(UntrustedBackupException.class)
			.isThrownBy(() -> template.restore("app", newer.id()))
			.withMessageContaining("fails authentication")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("real", "newer");
	}

	@Test
	void olderEncryptedBytesCopiedUnderANewerIdWithoutAMacAreRefusedByTheCipher() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		Backup older = template.backup("app");
		TestDatabases.addNote(this.dataSource, "newer");
		Backup newer = template.backup("app");
		Path newerFile = dataFile(newer);
		Files.copy(dataFile(older), newerFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
		// A manifest as written before MACs: format 1, no MAC line.
		writeManifest(withStoredBytesOf(newer, newerFile).withManifestMac(null));
		assertThat(manifest(newer.id())).contains("format=1").doesNotContain("mac=");

		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", newer.id()))
			.withMessageContaining("fails authentication")
			.withMessageContaining("belongs to another backup")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("real", "newer");
	}

	@Test
	void anySingleEditedManifestFieldIsRefused() throws Exception {
		SqliteBackupTemplate template = template(this.keyA);
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "live");
		String original = manifest(backup.id());
		List<String> lines = original.lines().filter((line) -> !line.startsWith("#")).toList();
		assertThat(lines).hasSize(18);
		List<String> accepted = new ArrayList<>();
		for (String line : lines) {
			String key = line.substring(0, line.indexOf('='));
			if (key.equals("id") || key.equals("database")) {
				// The store only lists a manifest under its own id and database.
				continue;
			}
			Files.writeString(manifestFile(backup.id()), original.replace(line, edited(line)),
					StandardCharsets.ISO_8859_1);
			try {
				template.restore("app", backup.id(), false);
				accepted.add(line);
			}
			catch (UntrustedBackupException | BackupNotFoundException ex) {
				// Refused: an unreadable manifest (format and MAC disagree) is not even listed.
			}
		}
		assertThat(accepted).as("edited fields that were accepted").isEmpty();
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("real", "live");
	}

	@Test
	void manifestAuthenticatedWithAKeyThatIsNotConfiguredIsRefused() throws Exception {
		Backup backup = template(this.keyA).backup("app");
		SqliteBackupTemplate otherKey = template(BackupEncryption.of("b", EncryptionTests.key(2), Map.of()));
		assertThatExceptionOfType(UntrustedBackupException.class)
			.isThrownBy(() -> otherKey.restore("app", backup.id()))
			.withMessageContaining("key 'a', which is not configured");
		assertThat(otherKey.verify("app", backup.id()).valid()).isFalse();
	}

	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void backupWrittenBeforeManifestsHadAMacStillRestores(boolean rotated) throws Exception {
		// Written by the version before this change: format 1 manifest, format 1 stream, gzip, key "a".
		Path store = Files.createDirectories(this.temp.resolve("backups/app"));
		String id = "20261129T174316437Z-e27b77";
		for (String name : new String[] { id + ".manifest", id + ".sqlite.gz.enc" }) {
			try (var fixture = getClass().getResourceAsStream("/pre-mac/" + name)) {
				Files.copy(fixture, store.resolve(name));
			}
		}
		BackupEncryption keys = rotated
				? BackupEncryption.of("b", EncryptionTests.key(2), Map.of("a", EncryptionTests.key(1))) : this.keyA;
		SqliteBackupTemplate template = template(keys);
		Backup old = template.get("app", id);
		assertThat(old.manifestMac()).isNull();
		assertThat(template.getAuthenticity().trustOf(old)).isEqualTo(BackupAuthenticity.Trust.PRE_MAC);
		assertThat(template.verify("app", id).valid()).isTrue();

		template.restore("app", id, true);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("written before manifests had a MAC");
	}

	@Test
	void withoutEncryptionNothingIsRefusedOrLeftOut() throws Exception {
		SqliteBackupTemplate template = template(null);
		Backup real = template.backup("app");
		assertThat(manifest(real.id())).contains("format=1").doesNotContain("mac=");
		Backup planted = plantPlaintext(Instant.now().plusSeconds(60));
		assertThat(template.getAuthenticity().counts(planted)).isTrue();
		template.restore("app", planted.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("planted");
	}

	/** A plain SQLite database and a manifest saying it is not encrypted, as an attacker would write them. */
	private Backup plantPlaintext(Instant createdAt) throws Exception {
		Path source = this.temp.resolve("planted-" + createdAt.toEpochMilli() + ".db");
		DataSource planted = TestDatabases.plain(source, Mode.DELETE);
		TestDatabases.createNotes(planted, "planted");
		long pageCount;
		try (Connection connection = planted.getConnection()) {
			pageCount = TestDatabases.queryLong(connection, "PRAGMA page_count");
		}
		String id = BackupIds.next(createdAt);
		Path file = Files.createDirectories(this.temp.resolve("backups/app")).resolve(id + ".sqlite");
		Files.copy(source, file);
		Backup backup = new Backup(id, "app", createdAt, Files.size(file), BackupFileCheck.sha256(file), 4096,
				pageCount, "delete", "3.54.1", Backup.NO_COMPRESSION, true, VerifyMode.QUICK, Duration.ofMillis(5),
				BackupTrigger.SCHEDULED);
		writeManifest(backup);
		return backup;
	}

	/** A plausible different value for one manifest line. */
	private static String edited(String line) {
		int equals = line.indexOf('=');
		String key = line.substring(0, equals);
		String value = line.substring(equals + 1);
		return key + "=" + switch (key) {
			case "format" -> "1";
			case "createdAt" -> "2030-01-01T00\\:00\\:00Z";
			case "sizeBytes", "pageCount", "durationMillis" -> Long.toString(Long.parseLong(value) + 1);
			case "pageSize" -> "8192";
			case "sha256", "mac" -> value.substring(0, 63) + ((value.charAt(63) == '0') ? '1' : '0');
			case "journalMode" -> "delete";
			case "sqliteVersion" -> "3.0.0";
			case "compression" -> "gzip";
			case "verified" -> "false";
			case "verification" -> "full";
			case "trigger" -> "safety";
			case "encryption" -> "aes-256-gcm-x";
			case "encryptionKeyId" -> "b";
			default -> throw new IllegalArgumentException("No edit for " + key);
		};
	}

	private Backup withStoredBytesOf(Backup backup, Path file) throws Exception {
		return new Backup(backup.id(), backup.database(), backup.createdAt(), Files.size(file),
				BackupFileCheck.sha256(file), backup.pageSize(), backup.pageCount(), backup.journalMode(),
				backup.sqliteVersion(), backup.compression(), backup.verified(), backup.verification(),
				backup.duration(), backup.trigger(), backup.encryptionKeyId(), backup.manifestMac());
	}

	private void writeManifest(Backup backup) throws Exception {
		Files.writeString(manifestFile(backup.id()), ManifestFormat.write(backup), StandardCharsets.ISO_8859_1);
	}

	private Path manifestFile(String id) {
		return this.temp.resolve("backups/app/" + id + ".manifest");
	}

	private String manifest(String id) throws Exception {
		return Files.readString(manifestFile(id), StandardCharsets.ISO_8859_1);
	}

	private Path dataFile(Backup backup) {
		return this.temp.resolve("backups/app/" + backup.id() + ".sqlite" + StoredForm.fileSuffixOf(backup.compression(), backup.isEncrypted()));
	}

	private SqliteBackupTemplate template(BackupEncryption encryption) {
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withStoredForm(new StoredForm(BackupCodec.NONE, encryption)));
	}

}
