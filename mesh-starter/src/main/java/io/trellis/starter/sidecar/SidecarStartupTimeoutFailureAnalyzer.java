package io.trellis.starter.sidecar;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link SidecarStartupTimeoutException} into Spring Boot's "APPLICATION FAILED TO
 * START" report, naming the sidecar address and what to do, instead of a stack trace.
 */
class SidecarStartupTimeoutFailureAnalyzer extends AbstractFailureAnalyzer<SidecarStartupTimeoutException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, SidecarStartupTimeoutException cause) {
		return new FailureAnalysis(
				SidecarStartupTimeoutException.describe(cause.getAddress(), cause.getTimeout(), cause.getLastProblem())
						+ ".",
				SidecarStartupTimeoutException.ACTION, cause);
	}

}
