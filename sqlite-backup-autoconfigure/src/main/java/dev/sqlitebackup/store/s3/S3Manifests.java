package dev.sqlitebackup.store.s3;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import dev.sqlitebackup.Backup;
import dev.sqlitebackup.store.BackupFileNames;
import dev.sqlitebackup.store.ManifestFormat;
import dev.sqlitebackup.store.StoreFiles;

/**
 * The backups a folder listing shows: its manifests read (each once: a manifest is written once
 * and never changed), matched with their data objects, and what does not belong reported once.
 */
final class S3Manifests {

	private static final Logger logger = LoggerFactory.getLogger(S3Manifests.class);

	private final S3Requests requests;

	private final String store;

	/** Manifests already read, by key; listing, which health checks and metrics do often, reads only new ones. */
	private final Map<String, Backup> cache = new ConcurrentHashMap<>();

	/** Keys already warned about, so that each is reported once rather than at every listing. */
	private final Set<String> reported = ConcurrentHashMap.newKeySet();

	S3Manifests(S3Requests requests, String store) {
		this.requests = requests;
		this.store = store;
	}

	/**
	 * Every backup of the listing, newest first. Fails, rather than list fewer backups than the
	 * bucket holds, when a manifest cannot be read whole.
	 */
	List<Backup> backups(String database, String folder, S3FolderListing listing) {
		reportOnce(listing.foreign(), "Skipping {} in {}: this store did not write it (not a backup, manifest or "
				+ "upload marker); it is left alone");
		Set<String> withoutData = listing.manifestsWithoutData();
		reportOnce(withoutData.stream().map((id) -> folder + BackupFileNames.manifest(id)).toList(),
				"Skipping manifest {} in {}: its data object is missing (an upload that failed after its manifest "
						+ "was written, say); the next clean-up deletes it");
		List<Backup> backups = new ArrayList<>();
		Set<String> listed = new HashSet<>();
		for (Map.Entry<String, Long> manifest : listing.manifests().entrySet()) {
			String id = BackupFileNames.idOfManifest(manifest.getKey());
			if (withoutData.contains(id)) {
				continue;
			}
			listed.add(folder + manifest.getKey());
			Backup backup = read(database, folder, manifest.getKey(), manifest.getValue(), listing.data());
			if (backup != null) {
				backups.add(backup);
			}
		}
		this.cache.keySet().removeIf((key) -> key.startsWith(folder) && !listed.contains(key));
		backups.sort(Comparator.comparing(Backup::createdAt).thenComparing(Backup::id).reversed());
		return backups;
	}

	private void reportOnce(Collection<String> keys, String message) {
		for (String key : keys) {
			if (this.reported.add(key)) {
				logger.warn(message, S3Failures.printable(key), this.store);
			}
		}
	}

	/**
	 * The manifest's backup if its data object is there with the right size; {@code null} when it
	 * is not a manifest of this database. A manifest that cannot be read whole (the connection
	 * failed, the answer was cut) fails the listing: skipping it would hide a backup.
	 */
	private @Nullable Backup read(String database, String folder, String manifestName, long size,
			Map<String, Long> dataSizes) {
		String id = BackupFileNames.idOfManifest(manifestName);
		String key = folder + manifestName;
		Backup cached = this.cache.get(key);
		if (cached != null) {
			return hasData(cached, folder, dataSizes) ? cached : null;
		}
		if (size > StoreFiles.MAX_MANIFEST_BYTES) {
			reportOnce(List.of(key), "Skipping manifest {} in {}: it is larger than any manifest");
			return null;
		}
		byte[] bytes;
		try {
			// The range bounds the download even if the object was replaced since the listing.
			ResponseBytes<GetObjectResponse> answer = this.requests.client().getObjectAsBytes((request) -> request
				.bucket(this.requests.bucket())
				.key(key)
				.range("bytes=0-" + StoreFiles.MAX_MANIFEST_BYTES)
				.overrideConfiguration(this.requests.call()));
			bytes = answer.asByteArray();
			Long announced = answer.response().contentLength();
			if (announced != null && announced != bytes.length) {
				throw SdkClientException.create("the answer held " + bytes.length + " of the " + announced
						+ " bytes it announced: the connection was cut");
			}
		}
		catch (NoSuchKeyException ex) {
			return null; // deleted since the listing
		}
		catch (SdkException ex) {
			throw new IllegalStateException("Cannot list backups in " + this.store + ": manifest "
					+ S3Failures.printable(key) + " could not be read: " + S3Failures.explain(ex), ex);
		}
		if (bytes.length > StoreFiles.MAX_MANIFEST_BYTES) {
			reportOnce(List.of(key), "Skipping manifest {} in {}: it is larger than any manifest");
			return null;
		}
		Backup backup;
		try (Reader reader = new StringReader(new String(bytes, StandardCharsets.ISO_8859_1))) {
			backup = ManifestFormat.read(reader);
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Skipping unreadable manifest {}: {}", key, ex.getMessage());
			return null;
		}
		if (!backup.id().equals(id) || !backup.database().equals(database)) {
			logger.warn("Skipping manifest {}: it describes backup {} of database '{}'", key, backup.id(),
					backup.database());
			return null;
		}
		this.cache.put(key, backup);
		return hasData(backup, folder, dataSizes) ? backup : null;
	}

	private boolean hasData(Backup backup, String folder, Map<String, Long> dataSizes) {
		Long size = dataSizes.get(BackupFileNames.dataFile(backup));
		if (size == null || size != backup.sizeBytes()) {
			if (this.reported.add(folder + BackupFileNames.dataFile(backup))) {
				logger.warn("Skipping backup {} of database '{}': its data object is {}", backup.id(),
						backup.database(), (size == null) ? "missing" : size + " bytes, not " + backup.sizeBytes());
			}
			return false;
		}
		return true;
	}

	/** Forgets a manifest that was deleted. */
	void forget(String key) {
		this.cache.remove(key);
		this.reported.remove(key);
	}

}
