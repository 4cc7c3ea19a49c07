package dev.sqlitebackup.store.s3;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import dev.sqlitebackup.BackupIds;
import dev.sqlitebackup.store.BackupFileNames;

/**
 * Every key in one database's folder of the bucket, sorted by what they are: manifests, data
 * objects, upload markers, and keys this store did not write. Subfolders are not listed: the
 * segments and chain heads of continuous backup, which may be many, are read by key
 * ({@link S3Segments}); any other subfolder is reported as a key this store did not write.
 * <p>
 * Keys are asked for URL-encoded ({@code encoding-type=url}): a key may hold characters that XML
 * cannot carry, and one such key must not make the whole folder unreadable. A page that is not a
 * whole listing (no bucket name, no word on whether more follows: a cut or empty answer that the
 * SDK would otherwise read as an empty page) fails the listing rather than make the folder look
 * emptier than it is.
 */
record S3FolderListing(Map<String, Long> manifests, Map<String, Long> data, Set<String> markers,
		Set<String> foreign) {

	/** Lists the folder, every page of it. */
	static S3FolderListing of(S3Client client, String bucket, String folder,
			Consumer<AwsRequestOverrideConfiguration.Builder> deadline) {
		Map<String, Long> manifests = new HashMap<>();
		Map<String, Long> data = new HashMap<>();
		Set<String> markers = new LinkedHashSet<>();
		Set<String> foreign = new LinkedHashSet<>();
		for (ListObjectsV2Response page : client.listObjectsV2Paginator((request) -> request.bucket(bucket)
			.prefix(folder)
			.delimiter("/")
			.encodingType(EncodingType.URL)
			.overrideConfiguration(deadline))) {
			checkWhole(page);
			page.commonPrefixes().forEach((subfolder) -> {
				if (!S3Segments.isOwnSubfolder(folder, subfolder.prefix())) {
					foreign.add(subfolder.prefix());
				}
			});
			for (S3Object object : page.contents()) {
				String key = object.key();
				if (!key.startsWith(folder)) {
					foreign.add(key);
					continue;
				}
				String name = key.substring(folder.length());
				long size = (object.size() != null) ? object.size() : -1;
				if (BackupFileNames.idOfManifest(name) != null) {
					manifests.put(name, size);
				}
				else if (isData(name)) {
					data.put(name, size);
				}
				else if (isMarker(name)) {
					markers.add(name);
				}
				else if (name.equals(S3Leases.LEASE_OBJECT)) {
					// Continuous backup's lease: neither a backup nor foreign.
					continue;
				}
				else {
					foreign.add(key);
				}
			}
		}
		return new S3FolderListing(manifests, data, markers, foreign);
	}

	private static void checkWhole(ListObjectsV2Response page) {
		if (page.name() == null || page.isTruncated() == null
				|| (Boolean.TRUE.equals(page.isTruncated()) && page.nextContinuationToken() == null)) {
			throw SdkClientException.create("the bucket's answer to a listing was not a whole listing page (no "
					+ "bucket name or no word on whether more follows): the connection or a proxy on the way cut "
					+ "or garbled it");
		}
	}

	private static boolean isData(String name) {
		int dot = name.indexOf(BackupFileNames.DATA_SUFFIX);
		if (dot <= 0 || !BackupIds.isWellFormed(name.substring(0, dot))) {
			return false;
		}
		return name.substring(dot + BackupFileNames.DATA_SUFFIX.length()).matches("(\\.[a-z0-9]{1,8}){0,2}");
	}

	private static boolean isMarker(String name) {
		return name.endsWith(S3BackupStore.UPLOADING_SUFFIX) && BackupIds
			.isWellFormed(name.substring(0, name.length() - S3BackupStore.UPLOADING_SUFFIX.length()));
	}

	/** The ids of manifests with no data object beside them. */
	Set<String> manifestsWithoutData() {
		Set<String> dataIds = new HashSet<>();
		this.data.keySet().forEach((name) -> dataIds.add(name.substring(0, name.indexOf(BackupFileNames.DATA_SUFFIX))));
		Set<String> orphans = new LinkedHashSet<>();
		this.manifests.keySet().stream().map(BackupFileNames::idOfManifest).filter((id) -> !dataIds.contains(id))
			.sorted().forEach(orphans::add);
		return orphans;
	}

}
