package dev.sqlitebackup;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The lease on one database's continuous backup in a store, the object that keeps two writers
 * apart: who holds it, the epoch it was taken under (a number that only grows, written into every
 * segment and snapshot so that a restore can tell a fenced writer's publications), and until when.
 * A released lease keeps its epoch, so that the next holder's is higher.
 *
 * @param holder who holds it, or held it last
 * @param epoch the epoch it was taken under
 * @param expiresAt when it lapses unless renewed
 * @param released whether its holder let go of it
 */
public record Lease(Holder holder, long epoch, Instant expiresAt, boolean released) {

	private static final Pattern FIELD = Pattern.compile("\"(host|pid|startedAt|id|epoch|expiresAt|released)\"\\s*:\\s*"
			+ "(\"((?:\\\\.|[^\"\\\\])*)\"|[0-9]+|true|false)");

	public Lease {
		Objects.requireNonNull(holder, "holder");
		Objects.requireNonNull(expiresAt, "expiresAt");
		if (epoch < 1) {
			throw new IllegalArgumentException("epoch must be positive");
		}
	}

	/** Whether another process may take it now: released, expired, or held by a process of this host that is gone. */
	public boolean isFree(Instant now) {
		return this.released || !now.isBefore(this.expiresAt) || this.holder.isGoneFromThisHost();
	}

	/** The lease as the store keeps it. */
	public String toJson() {
		return "{\"holder\":{\"host\":\"" + escape(this.holder.host()) + "\",\"pid\":" + this.holder.pid()
				+ ",\"startedAt\":\"" + this.holder.startedAt() + "\",\"id\":\"" + escape(this.holder.id())
				+ "\"},\"epoch\":" + this.epoch + ",\"expiresAt\":\"" + this.expiresAt + "\",\"released\":"
				+ this.released + "}\n";
	}

	/**
	 * Reads a lease the store keeps.
	 * @throws IllegalArgumentException when the text is not a lease this starter wrote
	 */
	public static Lease parse(String json) {
		String host = null;
		String startedAt = null;
		String id = null;
		String expiresAt = null;
		Long pid = null;
		Long epoch = null;
		Boolean released = null;
		Matcher field = FIELD.matcher(json);
		while (field.find()) {
			String value = (field.group(3) != null) ? unescape(field.group(3)) : field.group(2);
			switch (field.group(1)) {
				case "host" -> host = value;
				case "pid" -> pid = Long.parseLong(value);
				case "startedAt" -> startedAt = value;
				case "id" -> id = value;
				case "epoch" -> epoch = Long.parseLong(value);
				case "expiresAt" -> expiresAt = value;
				default -> released = Boolean.parseBoolean(value);
			}
		}
		if (host == null || pid == null || startedAt == null || id == null || epoch == null || expiresAt == null
				|| released == null) {
			throw new IllegalArgumentException("not a lease: " + ((json.length() > 200) ? json.substring(0, 200) : json));
		}
		try {
			return new Lease(new Holder(host, pid, Instant.parse(startedAt), id), epoch, Instant.parse(expiresAt),
					released);
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException("not a lease: " + ex.getMessage(), ex);
		}
	}

	private static String escape(String text) {
		return text.replace("\\", "\\\\").replace("\"", "\\\"");
	}

	private static String unescape(String text) {
		return text.replace("\\\"", "\"").replace("\\\\", "\\");
	}

	/**
	 * Who holds a lease: a process on a host, told apart from an earlier process with the same pid
	 * by its start instant, and from anything else by a random id.
	 *
	 * @param host host name
	 * @param pid process id
	 * @param startedAt when the process started
	 * @param id random id of this holder
	 */
	public record Holder(String host, long pid, Instant startedAt, String id) {

		private static final SecureRandom random = new SecureRandom();

		/** This process, as a new holder. */
		public static Holder ofThisProcess() {
			ProcessHandle self = ProcessHandle.current();
			Instant started = self.info().startInstant().orElse(Instant.EPOCH).truncatedTo(ChronoUnit.MILLIS);
			byte[] bytes = new byte[8];
			random.nextBytes(bytes);
			return new Holder(hostName(), self.pid(), started, HexFormat.of().formatHex(bytes));
		}

		/**
		 * Whether it names a process of this host that is no longer running: its lease is free at
		 * once, without waiting for it to lapse (the next instance on the same machine after a
		 * crash, or after {@code kill -9}).
		 */
		boolean isGoneFromThisHost() {
			if (!this.host.equals(hostName())) {
				return false;
			}
			return ProcessHandle.of(this.pid)
				.map((process) -> !process.isAlive() || process.info()
					.startInstant()
					.map((start) -> !start.truncatedTo(ChronoUnit.MILLIS).equals(this.startedAt))
					.orElse(false))
				.orElse(true);
		}

		/** How logs and health name it. */
		public String describe() {
			return "pid " + this.pid + " on " + this.host + " (started " + this.startedAt.truncatedTo(ChronoUnit.SECONDS)
					+ ", id " + this.id + ")";
		}

		private static String hostName() {
			try {
				return InetAddress.getLocalHost().getHostName();
			}
			catch (Exception ex) {
				return "unknown-host";
			}
		}

	}

}
