package dev.sqlitebackup.cli;

import picocli.CommandLine.IVersionProvider;

/** The tool's version, as its jar's manifest records it. */
final class CliVersion implements IVersionProvider {

	@Override
	public String[] getVersion() {
		String version = SqliteBackupCli.class.getPackage().getImplementationVersion();
		return new String[] { "sqlite-backup " + ((version != null) ? version : "(development build)") };
	}

}
