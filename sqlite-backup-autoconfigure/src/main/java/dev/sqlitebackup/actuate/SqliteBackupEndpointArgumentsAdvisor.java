package dev.sqlitebackup.actuate;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;

/**
 * Refuses a write request to the {@code sqlitebackup} endpoint that carries a field the operation
 * does not have, such as {@code {"action":"backup","directory":"/mnt/usb"}}.
 * <p>
 * Actuator passes only the fields an operation declares and drops the rest without a word, so
 * such a request would otherwise take a backup in the configured directory while its sender
 * believes it chose another one. A backup or restore is not something to do on a guess: the
 * request is refused with 400 before anything runs. Read operations are left alone.
 * <p>
 * Actuator also lets a {@code database} field in the body or query string replace the database
 * named in the path, so {@code POST .../orders?database=users} would act on {@code users} and slip
 * past a security rule written for the path. In a Spring MVC application the database the path
 * named is known, and a request whose arguments name another one is refused too.
 */
public class SqliteBackupEndpointArgumentsAdvisor implements OperationInvokerAdvisor {

	private static final EndpointId ENDPOINT_ID = EndpointId.of("sqlitebackup");

	private static final boolean PATH_VARIABLES_READABLE = ClassUtils
		.isPresent("org.springframework.web.context.request.RequestContextHolder", null);

	@Override
	public OperationInvoker apply(EndpointId endpointId, OperationType operationType, OperationParameters parameters,
			OperationInvoker invoker) {
		if (!ENDPOINT_ID.equals(endpointId) || operationType != OperationType.WRITE) {
			return invoker;
		}
		Set<String> known = parameters.stream().map(OperationParameter::getName).collect(Collectors.toSet());
		return (context) -> {
			if (PATH_VARIABLES_READABLE && !PathVariables.agreeWith(context.getArguments())) {
				throw new InvalidEndpointRequestException(
						"The database named in the body or query differs from the one in the path",
						"Conflicting database");
			}
			for (String name : context.getArguments().keySet()) {
				if (!known.contains(name)) {
					// The name is not echoed: it comes from the request and may be anything.
					throw new InvalidEndpointRequestException(
							"Unknown field in the request; expected only 'action', 'backupId' and 'pointInTime'", "Unknown field");
				}
			}
			return invoker.invoke(context);
		};
	}

	/** The path variables Spring MVC matched for the current request; only touched when spring-web is present. */
	private static final class PathVariables {

		private static final String ATTRIBUTE = "org.springframework.web.servlet.HandlerMapping.uriTemplateVariables";

		static boolean agreeWith(Map<String, Object> arguments) {
			RequestAttributes request = RequestContextHolder.getRequestAttributes();
			Object variables = (request != null) ? request.getAttribute(ATTRIBUTE, RequestAttributes.SCOPE_REQUEST)
					: null;
			if (!(variables instanceof Map<?, ?> matched) || !matched.containsKey("database")) {
				// Not Spring MVC (JMX, WebFlux): nothing to compare with.
				return true;
			}
			return Objects.equals(matched.get("database"), arguments.get("database"));
		}

	}

}
