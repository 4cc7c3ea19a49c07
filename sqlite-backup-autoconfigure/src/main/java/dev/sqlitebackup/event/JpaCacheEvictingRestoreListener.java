package dev.sqlitebackup.event;

import java.util.List;
import java.util.function.Supplier;

import jakarta.persistence.EntityManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.Ordered;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.RestoreResult;

/**
 * Evicts the JPA second-level cache of every {@link EntityManagerFactory} after a restore, since
 * it holds entities read from the data the restore has replaced. Persistence contexts that are open
 * during a restore are not touched: their entities stay as they were read.
 */
public class JpaCacheEvictingRestoreListener implements BackupListener, Ordered {

	private static final Logger logger = LoggerFactory.getLogger(JpaCacheEvictingRestoreListener.class);

	private final Supplier<List<EntityManagerFactory>> entityManagerFactories;

	/**
	 * Creates a listener.
	 * @param entityManagerFactories the factories at the time of a restore
	 */
	public JpaCacheEvictingRestoreListener(Supplier<List<EntityManagerFactory>> entityManagerFactories) {
		this.entityManagerFactories = entityManagerFactories;
	}

	@Override
	public void restoreCompleted(RestoreResult result) {
		for (EntityManagerFactory factory : this.entityManagerFactories.get()) {
			try {
				if (factory.isOpen()) {
					factory.getCache().evictAll();
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Could not evict the JPA second-level cache after the restore of database '{}'; it may "
						+ "serve entities from before the restore: {}", result.database(), ex.toString());
			}
		}
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
