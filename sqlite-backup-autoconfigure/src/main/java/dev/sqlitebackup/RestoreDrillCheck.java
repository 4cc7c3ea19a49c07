package dev.sqlitebackup;

import java.sql.Connection;

import org.jspecify.annotations.Nullable;

/**
 * An application's own check of a restored copy during a restore drill: a row count, a recent
 * timestamp, whatever says that the data is what the application needs. In Spring, every bean of
 * this type takes part in every drill.
 */
@FunctionalInterface
public interface RestoreDrillCheck {

	/**
	 * Checks the restored copy of a database; it is never the live one.
	 * @param restored a read-only connection to the copy
	 * @return what the check found, shown with the drill's result, or {@code null}
	 * @throws Exception to fail the drill; its message says why
	 */
	@Nullable String check(Connection restored) throws Exception;

	/** How the check is named in a drill's result: its class's simple name, unless it overrides this. */
	default String name() {
		return getClass().getSimpleName();
	}

}
