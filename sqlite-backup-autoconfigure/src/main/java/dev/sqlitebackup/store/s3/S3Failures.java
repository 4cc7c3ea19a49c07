package dev.sqlitebackup.store.s3;

import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Words for what went wrong between this store and its bucket that say where to look: the
 * service's own error (credentials, bucket, permissions), a request that ran past its deadline, or
 * the connection. A fault on the way must never read as a fault of a backup.
 */
final class S3Failures {

	private S3Failures() {
	}

	/** What went wrong, for a message. */
	static String explain(SdkException ex) {
		if (isTimeout(ex)) {
			return "the bucket did not answer within the request's deadline (sqlite.backup.s3.call-timeout, and "
					+ "sqlite.backup.s3.min-transfer-rate for backup data): it is slow or unreachable";
		}
		if (ex instanceof S3Exception s3) {
			String code = (s3.awsErrorDetails() != null) ? s3.awsErrorDetails().errorCode() : null;
			if (code == null || code.isBlank()) {
				return "the bucket's answer was broken (HTTP status " + s3.statusCode() + " and no S3 error in it): "
						+ "something on the way (a proxy, a load balancer) answered instead, or the answer was cut or "
						+ "garbled";
			}
			String hint = switch (code) {
				case "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken" ->
					" (check the access key and secret key)";
				case "AccessDenied" -> " (the credentials are not allowed to do this)";
				case "NoSuchBucket" -> " (create the bucket first)";
				default -> "";
			};
			return "HTTP " + s3.statusCode() + " " + code + ": " + s3.awsErrorDetails().errorMessage() + hint;
		}
		return "the connection to the bucket failed: " + rootMessage(ex);
	}

	/** Whether the request ran past its deadline. */
	static boolean isTimeout(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ApiCallTimeoutException || cause instanceof ApiCallAttemptTimeoutException) {
				return true;
			}
		}
		return false;
	}

	/** Whether the service itself answered, with an S3 error it named; anything else is the way there. */
	static boolean isServiceAnswer(SdkException ex) {
		return ex instanceof S3Exception s3 && s3.awsErrorDetails() != null && s3.awsErrorDetails().errorCode() != null
				&& !s3.awsErrorDetails().errorCode().isBlank();
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = root.getMessage();
		if (root == ex || message == null) {
			return (ex.getMessage() != null) ? ex.getMessage() : ex.getClass().getSimpleName();
		}
		return ex.getMessage() + " (" + root.getClass().getSimpleName() + ": " + message + ")";
	}

	/** A key as it can be shown in a log line: control characters escaped. */
	static String printable(String key) {
		StringBuilder printable = new StringBuilder(key.length());
		key.codePoints().forEach((c) -> {
			if (Character.isISOControl(c) || !Character.isDefined(c)) {
				printable.append(String.format("\\u%04x", c));
			}
			else {
				printable.appendCodePoint(c);
			}
		});
		return printable.toString();
	}

}
