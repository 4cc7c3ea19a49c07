package dev.sqlitebackup.autoconfigure;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.sqlitebackup.BackupOptions;
import dev.sqlitebackup.SqliteBackupTemplate;
import dev.sqlitebackup.actuate.SqliteBackupEndpoint;
import dev.sqlitebackup.actuate.SqliteBackupEndpointWebExtension;
import dev.sqlitebackup.store.LocalDirectoryBackupStore;

import static org.assertj.core.api.Assertions.assertThat;

/** Tests for {@link SqliteBackupEndpointAutoConfiguration}. */
class SqliteBackupEndpointAutoConfigurationTests {

	@TempDir
	static Path backups;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SqliteBackupEndpointAutoConfiguration.class))
		.withUserConfiguration(TemplateConfiguration.class);

	@Test
	void runWhenExposedShouldHaveEndpointBean() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=sqlitebackup")
			.run((context) -> assertThat(context).hasSingleBean(SqliteBackupEndpoint.class)
				.hasSingleBean(SqliteBackupEndpointWebExtension.class));
	}

	@Test
	void runWhenNotExposedShouldNotHaveEndpointBean() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(SqliteBackupEndpoint.class)
			.doesNotHaveBean(SqliteBackupEndpointWebExtension.class));
	}

	@Test
	void runWhenAccessIsNoneShouldNotHaveEndpointBean() {
		// The runner has no ApplicationConversionService, so the enum needs its constant name.
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=sqlitebackup",
					"management.endpoint.sqlitebackup.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(SqliteBackupEndpoint.class));
	}

	@Test
	void runWhenExposedOnlyOverJmxShouldHaveEndpointButNoWebExtension() {
		this.contextRunner
			.withPropertyValues("spring.jmx.enabled=true", "management.endpoints.jmx.exposure.include=sqlitebackup")
			.run((context) -> assertThat(context).hasSingleBean(SqliteBackupEndpoint.class)
				.doesNotHaveBean(SqliteBackupEndpointWebExtension.class));
	}

	@Test
	void runWithoutTemplateShouldNotHaveEndpointBean() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SqliteBackupEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=sqlitebackup")
			.run((context) -> assertThat(context).doesNotHaveBean(SqliteBackupEndpoint.class));
	}

	@Test
	void runWithUserDefinedEndpointShouldBackOff() {
		this.contextRunner.withUserConfiguration(CustomEndpointConfiguration.class)
			.withPropertyValues("management.endpoints.web.exposure.include=sqlitebackup")
			.run((context) -> assertThat(context).hasSingleBean(SqliteBackupEndpoint.class)
				.hasBean("customEndpoint"));
	}

	@Configuration(proxyBeanMethods = false)
	static class TemplateConfiguration {

		@Bean
		SqliteBackupTemplate sqliteBackupTemplate() {
			return new SqliteBackupTemplate(List.of(), new LocalDirectoryBackupStore(backups), BackupOptions.defaults());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		SqliteBackupEndpoint customEndpoint(SqliteBackupTemplate template) {
			return new SqliteBackupEndpoint(template, false);
		}

	}

}
