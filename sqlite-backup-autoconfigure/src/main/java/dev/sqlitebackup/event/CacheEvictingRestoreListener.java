package dev.sqlitebackup.event;

import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.core.Ordered;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.RestoreResult;

/**
 * Clears every cache of the application's {@link CacheManager}s after a restore: whatever they hold
 * was read from the data the restore has just replaced. Runs before the other listeners, so that
 * a {@link RestoreCompletedEvent} listener already reads the restored data through them.
 */
public class CacheEvictingRestoreListener implements BackupListener, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(CacheEvictingRestoreListener.class);

	private final Supplier<List<CacheManager>> cacheManagers;

	/**
	 * Creates a listener.
	 * @param cacheManagers the cache managers at the time of a restore (looked up then, so that
	 * managers created after this listener are included)
	 */
	public CacheEvictingRestoreListener(Supplier<List<CacheManager>> cacheManagers) {
		this.cacheManagers = cacheManagers;
	}

	@Override
	public void restoreCompleted(RestoreResult result) {
		for (CacheManager cacheManager : this.cacheManagers.get()) {
			for (String name : cacheManager.getCacheNames()) {
				clear(cacheManager, name, result);
			}
		}
	}

	private static void clear(CacheManager cacheManager, String name, RestoreResult result) {
		try {
			Cache cache = cacheManager.getCache(name);
			if (cache != null) {
				cache.clear();
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not clear cache '{}' after the restore of database '{}'; it may serve data from "
					+ "before the restore: {}", name, result.database(), ex.toString());
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
