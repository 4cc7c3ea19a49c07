package dev.sqlitebackup.store.s3;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the JDK's HTTP client from logging request headers: at {@code java.util.logging} level
 * FINE it prints every request's {@code Authorization} header, access key id included, so that
 * turning all logging up to chase a problem would put it in the logs. A level set for that logger
 * itself (in {@code logging.properties}, say) is left as it is: that is someone asking for it.
 */
final class HttpHeaderLogging {

	/** Held, so that the level set on it stays: java.util.logging keeps loggers weakly. */
	private static final Logger HTTP_CLIENT = Logger.getLogger("sun.net.www.protocol.http.HttpURLConnection");

	private HttpHeaderLogging() {
	}

	static void keepQuietUnlessAskedFor() {
		synchronized (HTTP_CLIENT) {
			if (HTTP_CLIENT.getLevel() == null) {
				HTTP_CLIENT.setLevel(Level.INFO);
			}
		}
	}

}
