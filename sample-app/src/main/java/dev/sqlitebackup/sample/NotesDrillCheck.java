package dev.sqlitebackup.sample;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import org.springframework.stereotype.Component;

import dev.sqlitebackup.RestoreDrillCheck;

/**
 * The sample's own check of every restore drill: the restored copy must hold the notes table; the
 * drill's result says how many notes it holds and when the newest was written.
 */
@Component
class NotesDrillCheck implements RestoreDrillCheck {

	@Override
	public String check(Connection restored) throws Exception {
		try (Statement statement = restored.createStatement();
				ResultSet rows = statement.executeQuery("SELECT count(*), max(created_at) FROM note")) {
			rows.next();
			long count = rows.getLong(1);
			String newest = rows.getString(2);
			return count + " notes" + ((newest != null) ? ", the newest written at " + newest : "");
		}
	}

	@Override
	public String name() {
		return "notes";
	}

}
