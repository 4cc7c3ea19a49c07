/**
 * Backups in S3-compatible object storage, through the AWS SDK for Java v2 (an optional
 * dependency).
 */
@NullMarked
package dev.sqlitebackup.store.s3;

import org.jspecify.annotations.NullMarked;
