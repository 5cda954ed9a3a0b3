package io.trellis.configserver.web;

import io.trellis.configserver.dashboard.TopologyController;
import io.trellis.configserver.policy.PolicyController;
import io.trellis.configserver.registry.RegistryController;
import io.trellis.configserver.status.StatusController;
import io.trellis.configserver.telemetry.TrafficController;
import io.trellis.configserver.telemetry.TrafficLimitException;
import io.trellis.configserver.watch.WatchController;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns bad input to the control plane's own API into a 400 whose detail names what was wrong,
 * and traffic reports refused to bound the control plane's memory into a 503 naming the bound.
 */
@RestControllerAdvice(assignableTypes = { RegistryController.class, WatchController.class, StatusController.class,
		PolicyController.class, TrafficController.class, TopologyController.class })
public class ApiExceptionHandler {

	@ExceptionHandler(IllegalArgumentException.class)
	public ProblemDetail badInput(IllegalArgumentException ex) {
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	/** Reports refused to bound the control plane's memory: the sender did nothing wrong. */
	@ExceptionHandler(TrafficLimitException.class)
	public ProblemDetail overLimit(TrafficLimitException ex) {
		return ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage());
	}

	@ExceptionHandler(HttpMessageNotReadableException.class)
	public ProblemDetail unreadable(HttpMessageNotReadableException ex) {
		String detail = (ex.getMostSpecificCause() != null) ? ex.getMostSpecificCause().getMessage() : ex.getMessage();
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Malformed request body: " + detail);
	}

}
