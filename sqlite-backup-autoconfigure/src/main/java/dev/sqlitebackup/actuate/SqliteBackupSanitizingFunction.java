package dev.sqlitebackup.actuate;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Masks the backup keys in {@code /actuator/env}, {@code /actuator/configprops} and wherever else
 * Spring Boot sanitizes property values, even when {@code show-values} is {@code always}: every
 * property under {@code sqlite.backup.encryption.}, {@code sqlite.backup.s3.secret-key}, and any
 * value that contains one of the configured keys (an environment variable a placeholder points to,
 * the command line in {@code sun.java.command}, {@code SPRING_APPLICATION_JSON}).
 */
public class SqliteBackupSanitizingFunction implements SanitizingFunction {

	/** Names with separators and case removed, so that every relaxed form of a name matches. */
	private static final String ENCRYPTION_PREFIX = "sqlitebackupencryption";

	private static final String S3_SECRET_KEY = "sqlitebackups3secretkey";

	/**
	 * A shorter value (never a valid key) would mask ordinary values that happen to contain it;
	 * its property is still masked by name.
	 */
	private static final int MIN_SECRET_LENGTH = 8;

	private final List<String> secrets;

	/**
	 * Creates a function that masks the given secret values wherever they appear, besides the
	 * properties it masks by name.
	 */
	public SqliteBackupSanitizingFunction(Collection<String> secrets) {
		this.secrets = secrets.stream()
			.filter((secret) -> secret.length() >= MIN_SECRET_LENGTH)
			.distinct()
			.toList();
	}

	/** A function that masks the keys configured in this environment, placeholders resolved. */
	public static SqliteBackupSanitizingFunction of(Environment environment) {
		Binder binder = Binder.get(environment);
		List<String> secrets = new ArrayList<>();
		binder.bind("sqlite.backup.encryption.key", String.class).ifBound(secrets::add);
		binder.bind("sqlite.backup.encryption.old-keys", Bindable.mapOf(String.class, String.class))
			.ifBound((oldKeys) -> secrets.addAll(oldKeys.values()));
		binder.bind("sqlite.backup.s3.secret-key", String.class).ifBound(secrets::add);
		return new SqliteBackupSanitizingFunction(secrets);
	}

	@Override
	public SanitizableData apply(SanitizableData data) {
		if (isSecretName(data.getKey()) || containsSecret(data.getValue())) {
			return data.withSanitizedValue();
		}
		return data;
	}

	private static boolean isSecretName(String key) {
		// sqlite.backup.encryption.old-keys[v1], SQLITE_BACKUP_ENCRYPTION_OLDKEYS_V1 and
		// sqlite.backup.encryption.oldKeys.v1 (configprops) are all the same property.
		String name = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
		return name.startsWith(ENCRYPTION_PREFIX) || name.equals(S3_SECRET_KEY);
	}

	private boolean containsSecret(@Nullable Object value) {
		if (value == null || this.secrets.isEmpty()) {
			return false;
		}
		String text = String.valueOf(value);
		return this.secrets.stream().anyMatch(text::contains);
	}

}
