package io.trellis.gateway.error;

import java.io.IOException;
import java.net.ConnectException;

import io.netty.channel.ConnectTimeoutException;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

/** Tells apart the ways a call to an endpoint fails without a response. */
public final class UpstreamFailures {

	private UpstreamFailures() {
	}

	/**
	 * Reactor Netty's message when a pooled connection was found closed (its peer died) before
	 * the request was written on it.
	 */
	static final String CLOSED_BEFORE_SEND = "Connection has been closed BEFORE send operation";

	/**
	 * The connection could not be made, or a pooled one was closed before the request was
	 * written on it: nothing of the request was sent.
	 */
	public static boolean isConnectFailure(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = next(cause)) {
			if (cause instanceof ConnectException || cause instanceof ConnectTimeoutException) {
				return true;
			}
			if (cause instanceof AbortedException && CLOSED_BEFORE_SEND.equals(cause.getMessage())) {
				return true;
			}
		}
		return false;
	}

	/** The connection was closed or reset before a whole response came. */
	public static boolean isReset(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = next(cause)) {
			if (cause instanceof PrematureCloseException
					|| (cause instanceof IOException && cause.getClass().getName().startsWith("io.netty"))
					|| (cause instanceof IOException && String.valueOf(cause.getMessage()).contains("reset"))) {
				return true;
			}
		}
		return false;
	}

	/** Either of the above. */
	public static boolean isConnectionFailure(Throwable ex) {
		return isConnectFailure(ex) || isReset(ex);
	}

	private static Throwable next(Throwable cause) {
		Throwable next = cause.getCause();
		return (next == cause) ? null : next;
	}

}
