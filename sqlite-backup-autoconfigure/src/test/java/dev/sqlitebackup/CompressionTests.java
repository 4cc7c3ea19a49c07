package dev.sqlitebackup;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.sqlitebackup.TestDatabases.Mode;
import dev.sqlitebackup.codec.BackupCodec;
import dev.sqlitebackup.codec.StoredForm;
import dev.sqlitebackup.engine.BackupFileCheck;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;
import dev.sqlitebackup.store.ManifestFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Compressed backups: stored compressed with the codec in the manifest, restored and verified as plain ones. */
class CompressionTests {

	@TempDir
	Path temp;

	private DataSource dataSource;

	@AfterEach
	void close() {
		TestDatabases.close(this.dataSource);
	}

	@ParameterizedTest
	@EnumSource(BackupCodec.class)
	void roundTripThroughEveryCodec(BackupCodec codec) throws Exception {
		SqliteBackupTemplate template = template(codec);
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "after the backup");

		Path file = this.temp.resolve("backups/app/" + backup.id() + ".sqlite" + codec.fileSuffix());
		assertThat(file).isRegularFile().hasSize(backup.sizeBytes());
		assertThat(BackupFileCheck.sha256(file)).isEqualTo(backup.sha256());
		assertThat(backup.compression()).isEqualTo(codec.codecName());
		assertThat(backup.pageSize()).isEqualTo(4096);
		assertThat(backup.sizeBytes()).as("stored size")
			.isLessThan((codec == BackupCodec.NONE) ? Long.MAX_VALUE : backup.pageCount() * backup.pageSize() / 4);
		assertThat(manifestText(backup)).contains("compression=" + codec.codecName());
		assertThat(template.list("app")).containsExactly(backup);
		assertThat(template.verify("app", backup.id()).valid()).isTrue();

		RestoreResult result = template.restore("app", backup.id());
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		assertThat(template.get("app", result.safetyBackupId()).compression()).isEqualTo(codec.codecName());
		template.restore("app", result.safetyBackupId(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second", "after the backup");
		assertThat(stagingFiles()).isEmpty();
	}

	@Test
	void storedBytesAreInTheCodecsFormat() throws Exception {
		SqliteBackupTemplate gzip = template(BackupCodec.GZIP);
		assertThat(head(gzip.backup("app"), ".gz", 2)).isEqualTo("1f8b");
		SqliteBackupTemplate zstd = new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withStoredForm(new StoredForm(BackupCodec.ZSTD, null)));
		assertThat(head(zstd.backup("app"), ".zst", 4)).isEqualTo("28b52ffd");
	}

	@ParameterizedTest
	@EnumSource(value = BackupCodec.class, names = { "GZIP", "ZSTD" })
	void damagedCompressedBackupIsRefusedBeforeTheLiveDatabaseIsTouched(BackupCodec codec) throws Exception {
		SqliteBackupTemplate template = template(codec);
		Backup backup = template.backup("app");
		TestDatabases.addNote(this.dataSource, "live");
		Path file = this.temp.resolve("backups/app/" + backup.id() + ".sqlite" + codec.fileSuffix());
		flipByte(file, backup.sizeBytes() / 2);

		assertThat(template.verify("app", backup.id()).problems()).anyMatch((p) -> p.contains("SHA-256"));
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", backup.id()))
			.withMessageContaining("SHA-256")
			.withMessageContaining("the live database was not changed");

		// With the manifest made to agree, only decoding can notice.
		rewriteManifestToMatch(backup, file);
		assertThat(template.verify("app", backup.id()).problems()).anyMatch((p) -> p.contains("cannot be decoded"));
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", backup.id()))
			.withMessageContaining("cannot be decoded")
			.withMessageContaining("the live database was not changed");
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second", "live");
		assertThat(template.list("app")).noneMatch(Backup::isSafetyBackup);
		assertThat(stagingFiles()).isEmpty();
	}

	@Test
	void truncatedCompressedBackupIsRefused() throws Exception {
		SqliteBackupTemplate template = template(BackupCodec.ZSTD);
		Backup backup = template.backup("app");
		Path file = this.temp.resolve("backups/app/" + backup.id() + ".sqlite.zst");
		try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
			raf.setLength(raf.length() - 10);
		}
		rewriteManifestToMatch(backup, file);
		assertThatExceptionOfType(BackupVerificationException.class)
			.isThrownBy(() -> template.restore("app", backup.id()))
			.withMessageContaining("the live database was not changed");
	}

	@Test
	void backupsOfDifferentCodecsAreListedRestoredAndDeletedTogether() throws Exception {
		Backup plain = template(BackupCodec.NONE).backup("app");
		TestDatabases.addNote(this.dataSource, "third");
		Backup gzip = template(BackupCodec.GZIP).backup("app");
		// A template configured for zstd still restores the others: the manifest names the codec.
		SqliteBackupTemplate zstd = template(BackupCodec.ZSTD);
		assertThat(zstd.list("app")).extracting(Backup::id).containsExactly(gzip.id(), plain.id());
		zstd.restore("app", plain.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second");
		zstd.restore("app", gzip.id(), false);
		assertThat(TestDatabases.notes(this.dataSource)).containsExactly("first", "second", "third");
		zstd.delete("app", gzip.id());
		assertThat(this.temp.resolve("backups/app/" + gzip.id() + ".sqlite.gz")).doesNotExist();
		assertThat(zstd.list("app")).extracting(Backup::id).containsExactly(plain.id());
	}

	private SqliteBackupTemplate template(BackupCodec codec) throws Exception {
		if (this.dataSource == null) {
			this.dataSource = TestDatabases.hikari(this.temp.resolve("app.db"), Mode.WAL);
			TestDatabases.createNotes(this.dataSource, "first", "second");
			// Compressible content, as real tables mostly are.
			TestDatabases.execute(this.dataSource, "CREATE TABLE filler (data TEXT)");
			TestDatabases.execute(this.dataSource, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
					+ "WHERE i < 2000) INSERT INTO filler SELECT 'row ' || i || ' of some quite repetitive text' FROM n");
		}
		return new SqliteBackupTemplate(List.of(SqliteDatabase.of("app", this.dataSource)),
				new LocalDirectoryBackupStore(this.temp.resolve("backups")),
				BackupOptions.defaults().withStoredForm(new StoredForm(codec, null)));
	}

	private String head(Backup backup, String suffix, int bytes) throws IOException {
		byte[] all = Files.readAllBytes(this.temp.resolve("backups/app/" + backup.id() + ".sqlite" + suffix));
		return HexFormat.of().formatHex(all, 0, bytes);
	}

	private String manifestText(Backup backup) throws IOException {
		return Files.readString(this.temp.resolve("backups/app/" + backup.id() + ".manifest"),
				StandardCharsets.ISO_8859_1);
	}

	private List<Path> stagingFiles() throws IOException {
		Path staging = this.temp.resolve("backups/app/.staging");
		if (!Files.isDirectory(staging)) {
			return List.of();
		}
		try (Stream<Path> files = Files.list(staging)) {
			return files.toList();
		}
	}

	static void flipByte(Path file, long position) throws IOException {
		try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
			raf.seek(position);
			int value = raf.read();
			raf.seek(position);
			raf.write(value ^ 0x40);
		}
	}

	/** Makes the manifest agree with the damaged file, so that only decoding can catch it. */
	static void rewriteManifestToMatch(Backup backup, Path file) throws IOException {
		Path manifest = file.resolveSibling(backup.id() + ".manifest");
		Backup old = ManifestFormat.read(new StringReader(Files.readString(manifest, StandardCharsets.ISO_8859_1)));
		Backup rewritten = new Backup(old.id(), old.database(), old.createdAt(), Files.size(file),
				BackupFileCheck.sha256(file), old.pageSize(), old.pageCount(), old.journalMode(), old.sqliteVersion(),
				old.compression(), old.verified(), old.verification(), old.duration(), old.trigger(),
				old.encryptionKeyId());
		Files.writeString(manifest, ManifestFormat.write(rewritten), StandardCharsets.ISO_8859_1);
	}

}
