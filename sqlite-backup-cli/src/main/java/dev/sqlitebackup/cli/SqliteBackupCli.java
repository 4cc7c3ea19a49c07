package dev.sqlitebackup.cli;

import java.io.PrintWriter;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The command-line tool: lists, restores and verifies backups from a store without the application,
 * for when it cannot start (a migration that crashes it, a broken deploy). Exit codes: 0 done, 1
 * refused or failed (the reason on stderr), 2 bad usage.
 */
@Command(name = "sqlite-backup", mixinStandardHelpOptions = true, versionProvider = CliVersion.class,
		description = "Lists, restores and verifies the backups of SQLite databases that sqlite-backup keeps "
				+ "in a directory or an S3 bucket, without the application.",
		subcommands = { ListCommand.class, RestoreCommand.class, VerifyCommand.class })
public final class SqliteBackupCli {

	/** Exit code of a command that was refused or failed. */
	static final int FAILED = 1;

	/** Exit code of a command line that does not make sense. */
	static final int USAGE = 2;

	public static void main(String[] args) {
		System.exit(run(args));
	}

	/** Runs a command line and answers its exit code; what it prints goes to the standard streams. */
	static int run(String... args) {
		return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
	}

	/** Runs a command line, printing to these writers, and answers its exit code. */
	static int run(PrintWriter out, PrintWriter err, String... args) {
		CommandLine commandLine = new CommandLine(new SqliteBackupCli()).setOut(out).setErr(err);
		commandLine.setExecutionExceptionHandler((ex, line, parsed) -> {
			line.getErr().println(ex.getMessage() != null ? ex.getMessage() : ex.toString());
			line.getErr().flush();
			return FAILED;
		});
		return commandLine.execute(args);
	}

}
