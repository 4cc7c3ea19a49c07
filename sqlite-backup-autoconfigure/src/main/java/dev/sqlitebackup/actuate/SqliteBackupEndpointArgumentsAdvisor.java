package dev.sqlitebackup.actuate;

import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvoker;
import org.springframework.boot.actuate.endpoint.invoke.OperationInvokerAdvisor;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameter;
import org.springframework.boot.actuate.endpoint.invoke.OperationParameters;

/**
 * Refuses a write request to the {@code sqlitebackup} endpoint that carries a field the operation
 * does not have, such as {@code {"action":"backup","directory":"/mnt/usb"}}.
 * <p>
 * Actuator passes only the fields an operation declares and drops the rest without a word, so
 * such a request would otherwise take a backup in the configured directory while its sender
 * believes it chose another one. A backup or restore is not something to do on a guess: the
 * request is refused with 400 before anything runs. Read operations are left alone.
 */
class SqliteBackupEndpointArgumentsAdvisor implements OperationInvokerAdvisor {

	private static final EndpointId ENDPOINT_ID = EndpointId.of("sqlitebackup");

	@Override
	public OperationInvoker apply(EndpointId endpointId, OperationType operationType, OperationParameters parameters,
			OperationInvoker invoker) {
		if (!ENDPOINT_ID.equals(endpointId) || operationType != OperationType.WRITE) {
			return invoker;
		}
		Set<String> known = parameters.stream().map(OperationParameter::getName).collect(Collectors.toSet());
		return (context) -> {
			for (String name : context.getArguments().keySet()) {
				if (!known.contains(name)) {
					// The name is not echoed: it comes from the request and may be anything.
					throw new InvalidEndpointRequestException(
							"Unknown field in the request; expected only 'action' and 'backupId'", "Unknown field");
				}
			}
			return invoker.invoke(context);
		};
	}

}
