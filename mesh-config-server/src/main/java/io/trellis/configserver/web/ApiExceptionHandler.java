package io.trellis.configserver.web;

import io.trellis.configserver.policy.PolicyController;
import io.trellis.configserver.registry.RegistryController;
import io.trellis.configserver.status.StatusController;
import io.trellis.configserver.watch.WatchController;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Turns bad input to the control plane's own API into a 400 whose detail names what was wrong. */
@RestControllerAdvice(assignableTypes = { RegistryController.class, WatchController.class, StatusController.class,
		PolicyController.class })
public class ApiExceptionHandler {

	@ExceptionHandler(IllegalArgumentException.class)
	public ProblemDetail badInput(IllegalArgumentException ex) {
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
	}

	@ExceptionHandler(HttpMessageNotReadableException.class)
	public ProblemDetail unreadable(HttpMessageNotReadableException ex) {
		String detail = (ex.getMostSpecificCause() != null) ? ex.getMostSpecificCause().getMessage() : ex.getMessage();
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Malformed request body: " + detail);
	}

}
