package dev.sqlitebackup.sample;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/** Runnable sample application: a small notes API on an embedded SQLite file, backed up by the starter. */
@SpringBootApplication
public class SampleApplication {

	// Static: a BeanPostProcessor must exist before the beans it processes, the DataSource among them.
	@Bean
	static BeanPostProcessor sqliteDirectoryCreator() {
		return new SqliteDirectoryCreator();
	}

	public static void main(String[] args) {
		SpringApplication.run(SampleApplication.class, args);
	}

}
