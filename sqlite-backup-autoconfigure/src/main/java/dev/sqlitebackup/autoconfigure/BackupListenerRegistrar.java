package dev.sqlitebackup.autoconfigure;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

import dev.sqlitebackup.BackupListener;
import dev.sqlitebackup.RestoreDrillCheck;
import dev.sqlitebackup.SqliteBackupTemplate;

/**
 * Registers every {@link BackupListener} and {@link RestoreDrillCheck} bean of the context with the
 * template, in their order, once every singleton exists.
 * <p>
 * The metrics and the health indicator are listeners that need the template, so the template
 * cannot ask for its listeners when it is created; looking them up only then keeps that from
 * being a cycle. A bean reachable under two names is still registered once.
 */
final class BackupListenerRegistrar implements SmartInitializingSingleton {

	private final SqliteBackupTemplate template;

	private final ObjectProvider<BackupListener> listeners;

	private final ObjectProvider<RestoreDrillCheck> drillChecks;

	BackupListenerRegistrar(SqliteBackupTemplate template, ObjectProvider<BackupListener> listeners,
			ObjectProvider<RestoreDrillCheck> drillChecks) {
		this.template = template;
		this.listeners = listeners;
		this.drillChecks = drillChecks;
	}

	@Override
	public void afterSingletonsInstantiated() {
		Set<BackupListener> registered = Collections.newSetFromMap(new IdentityHashMap<>());
		this.listeners.orderedStream().filter(registered::add).forEach(this.template::addListener);
		Set<RestoreDrillCheck> checks = Collections.newSetFromMap(new IdentityHashMap<>());
		this.drillChecks.orderedStream().filter(checks::add).forEach(this.template::addDrillCheck);
	}

}
