package dev.sqlitebackup.actuate;

import java.lang.reflect.Method;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.boot.actuate.endpoint.invoke.reflect.OperationMethod;
import org.springframework.util.ReflectionUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Tests for {@link SqliteBackupEndpointArgumentsAdvisor}. */
class SqliteBackupEndpointArgumentsAdvisorTests {

	private static final EndpointId ENDPOINT = EndpointId.of("sqlitebackup");

	private final SqliteBackupEndpointArgumentsAdvisor advisor = new SqliteBackupEndpointArgumentsAdvisor();

	private final OperationInvoker target = (context) -> "invoked";

	@Test
	void writeWithOnlyItsOwnArgumentsIsInvoked() {
		OperationInvoker invoker = this.advisor.apply(ENDPOINT, OperationType.WRITE, performParameters(), this.target);
		assertThat(invoker.invoke(context(Map.of("database", "db", "action", "restore", "backupId", "x"))))
			.isEqualTo("invoked");
	}

	@Test
	void writeWithAnUnknownArgumentIsRefusedWithoutEchoingIt() {
		OperationInvoker invoker = this.advisor.apply(ENDPOINT, OperationType.WRITE, performParameters(), this.target);
		assertThatExceptionOfType(InvalidEndpointRequestException.class)
			.isThrownBy(() -> invoker.invoke(context(Map.of("database", "db", "action", "backup", "directory", "/x"))))
			.withMessageNotContaining("directory");
	}

	@Test
	void readsAndOtherEndpointsAreLeftAlone() {
		assertThat(this.advisor.apply(ENDPOINT, OperationType.READ, performParameters(), this.target))
			.isSameAs(this.target);
		assertThat(this.advisor.apply(EndpointId.of("health"), OperationType.WRITE, performParameters(), this.target))
			.isSameAs(this.target);
	}

	private static OperationParameters performParameters() {
		Method perform = ReflectionUtils.findMethod(SqliteBackupEndpoint.class, "perform",
				String.class, String.class, String.class);
		return new OperationMethod(perform, OperationType.WRITE).getParameters();
	}

	private static InvocationContext context(Map<String, Object> arguments) {
		return new InvocationContext(SecurityContext.NONE, arguments);
	}

}
