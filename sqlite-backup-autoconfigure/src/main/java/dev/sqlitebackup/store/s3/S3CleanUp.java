package dev.sqlitebackup.store.s3;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.EncodingType;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import dev.sqlitebackup.store.BackupFileNames;

/**
 * Removes from a database's folder of the bucket what crashed or failed operations left behind:
 * unfinished multipart uploads (S3 would keep, and bill, their parts forever), the data objects of
 * publishes cut short before their manifest, and the manifests of publishes that failed after it.
 * A data object is deleted only when its upload marker shows that this store wrote it and its
 * manifest is missing; like the local store, this store does not delete bytes it cannot account for.
 */
final class S3CleanUp {

	private static final Logger logger = LoggerFactory.getLogger(S3CleanUp.class);

	private final S3Requests requests;

	private final S3Uploads uploads;

	private final S3Manifests manifests;

	S3CleanUp(S3Requests requests, S3Uploads uploads, S3Manifests manifests) {
		this.requests = requests;
		this.uploads = uploads;
		this.manifests = manifests;
	}

	/** Cleans up one database's folder; fails with the SDK's exception when the bucket cannot be read. */
	void run(String folder) {
		for (ListMultipartUploadsResponse page : this.requests.client()
			.listMultipartUploadsPaginator((request) -> request.bucket(this.requests.bucket())
				.prefix(folder)
				.encodingType(EncodingType.URL)
				.overrideConfiguration(this.requests.call()))) {
			if (page.bucket() == null || page.isTruncated() == null) {
				throw SdkClientException.create("the bucket's answer to a listing of unfinished uploads was not a "
						+ "whole listing page: the connection or a proxy on the way cut or garbled it");
			}
			for (MultipartUpload upload : page.uploads()) {
				logger.info("Aborting unfinished upload of {} started {}", upload.key(), upload.initiated());
				this.uploads.abort(upload.key(), upload.uploadId());
			}
		}
		S3FolderListing listing = S3FolderListing.of(this.requests.client(), this.requests.bucket(), folder,
				this.requests.call());
		deleteInterruptedPublishes(folder, listing);
		deleteManifestsWithoutData(folder, listing);
	}

	/**
	 * For every upload marker: a publish whose manifest arrived only lost its marker; one whose
	 * manifest did not never became a backup, so its data object goes too.
	 */
	private void deleteInterruptedPublishes(String folder, S3FolderListing listing) {
		for (String marker : listing.markers()) {
			String id = marker.substring(0, marker.length() - S3BackupStore.UPLOADING_SUFFIX.length());
			if (!listing.manifests().containsKey(BackupFileNames.manifest(id))) {
				String dataPrefix = id + BackupFileNames.DATA_SUFFIX;
				for (String name : listing.data().keySet()) {
					if (name.startsWith(dataPrefix)) {
						logger.info("Deleting {}{}: its upload was interrupted before its manifest was written", folder,
								name);
						delete(folder + name);
					}
				}
			}
			delete(folder + marker);
		}
	}

	/**
	 * A manifest without its data object is left by a publish whose manifest reached the bucket
	 * while the answer was lost, and whose data object was then deleted. A manifest is written
	 * after its data and deleted before it, so no publish or delete in progress looks like this.
	 */
	private void deleteManifestsWithoutData(String folder, S3FolderListing listing) {
		for (String id : listing.manifestsWithoutData()) {
			String key = folder + BackupFileNames.manifest(id);
			logger.info("Deleting {}: its data object is missing, so it describes no backup", key);
			delete(key);
			this.manifests.forget(key);
		}
	}

	private void delete(String key) {
		this.requests.delete(key);
	}

}
