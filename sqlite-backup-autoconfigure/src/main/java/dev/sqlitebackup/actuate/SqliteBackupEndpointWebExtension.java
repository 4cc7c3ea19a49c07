package dev.sqlitebackup.actuate;

import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import dev.sqlitebackup.BackupNotFoundException;
import dev.sqlitebackup.DatabaseNotFoundException;
import dev.sqlitebackup.InvalidBackupIdException;
import dev.sqlitebackup.OperationInProgressException;
import dev.sqlitebackup.PointInTimeNotCoveredException;
import dev.sqlitebackup.SqliteBackupException;

/**
 * {@link EndpointWebExtension @EndpointWebExtension} for the {@link SqliteBackupEndpoint}: the one
 * place where the engine's failures become HTTP statuses with a short JSON message.
 */
@EndpointWebExtension(endpoint = SqliteBackupEndpoint.class)
public class SqliteBackupEndpointWebExtension {

	private static final Logger logger = LoggerFactory.getLogger(SqliteBackupEndpointWebExtension.class);

	private static final int STATUS_FORBIDDEN = 403;

	private static final int STATUS_CONFLICT = 409;

	private final SqliteBackupEndpoint delegate;

	/**
	 * Creates an extension answering for the given endpoint.
	 * @param delegate endpoint that does the work
	 */
	public SqliteBackupEndpointWebExtension(SqliteBackupEndpoint delegate) {
		this.delegate = delegate;
	}

	/** Every database with its backups; see {@link SqliteBackupEndpoint#databases()}. */
	@ReadOperation
	public WebEndpointResponse<OperationResponseBody> databases() {
		return respond(this.delegate::databases);
	}

	/** One database with its backups, or 404; see {@link SqliteBackupEndpoint#database(String)}. */
	@ReadOperation
	public WebEndpointResponse<OperationResponseBody> database(@Selector String database) {
		return respond(() -> this.delegate.database(database));
	}

	/** Takes or restores a backup; see {@link SqliteBackupEndpoint#perform(String, String, String, String)}. */
	public WebEndpointResponse<OperationResponseBody> perform(@Selector String database, @Nullable String action,
			@Nullable String backupId) {
		return perform(database, action, backupId, null);
	}

	/** Takes or restores a backup; see {@link SqliteBackupEndpoint#perform(String, String, String, String)}. */
	@WriteOperation
	public WebEndpointResponse<OperationResponseBody> perform(@Selector String database, @Nullable String action,
			@Nullable String backupId, @Nullable String pointInTime) {
		return respond(() -> this.delegate.perform(database, action, backupId, pointInTime));
	}

	private WebEndpointResponse<OperationResponseBody> respond(Supplier<? extends OperationResponseBody> operation) {
		try {
			return new WebEndpointResponse<>(operation.get(), WebEndpointResponse.STATUS_OK);
		}
		catch (InvalidEndpointRequestException ex) {
			return error(WebEndpointResponse.STATUS_BAD_REQUEST, ex.getMessage());
		}
		catch (SqliteBackupException ex) {
			int status = statusOf(ex);
			if (status == WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR) {
				// The engine has logged the failure with its cause; only the message goes out.
				logger.debug("Operation on database '{}' failed", ex.getDatabase(), ex);
			}
			return error(status, ex.getMessage());
		}
		catch (RuntimeException ex) {
			// Unexpected: keep the details in the log, answer with a message that reveals nothing.
			logger.warn("SQLite backup endpoint failed", ex);
			return error(WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR,
					"Operation failed unexpectedly; see the application log");
		}
	}

	private static int statusOf(SqliteBackupException ex) {
		if (ex instanceof DatabaseNotFoundException || ex instanceof BackupNotFoundException
				|| ex instanceof PointInTimeNotCoveredException) {
			return WebEndpointResponse.STATUS_NOT_FOUND;
		}
		if (ex instanceof InvalidBackupIdException) {
			return WebEndpointResponse.STATUS_BAD_REQUEST;
		}
		if (ex instanceof RestoreDisabledException) {
			return STATUS_FORBIDDEN;
		}
		if (ex instanceof OperationInProgressException) {
			return STATUS_CONFLICT;
		}
		return WebEndpointResponse.STATUS_INTERNAL_SERVER_ERROR;
	}

	private static WebEndpointResponse<OperationResponseBody> error(int status, @Nullable String message) {
		return new WebEndpointResponse<>(new ErrorDescriptor(status, (message != null) ? message : "Failed"),
				status);
	}

	/**
	 * Body of an error answer.
	 *
	 * @param status HTTP status code
	 * @param message short description of what went wrong, never a stack trace
	 */
	public record ErrorDescriptor(int status, String message) implements OperationResponseBody {

	}

}
