package io.trellis.gateway.error;

import java.io.IOException;
import java.net.ConnectException;

import io.netty.channel.ConnectTimeoutException;
import reactor.netty.http.client.PrematureCloseException;

/** Tells apart the ways a call to an endpoint fails without a response. */
public final class UpstreamFailures {

	private UpstreamFailures() {
	}

	/** The connection could not be made: nothing of the request was sent. */
	public static boolean isConnectFailure(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = next(cause)) {
			if (cause instanceof ConnectException || cause instanceof ConnectTimeoutException) {
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
