package io.trellis.gateway.route;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * The scheduler for a request's timers (its timeout, its deadline, a try's timeout): the event
 * loop the request arrived on, so that arming and cancelling a timer is an edit of that loop's
 * own queue of scheduled tasks, on its own thread. Reactor's default for timers, its parallel
 * scheduler, keeps them in a queue shared under a lock with threads of its own, and a timer
 * that becomes the queue's first (each one, when requests do not overlap) wakes one of those
 * threads: a thread switch per request on the core the sidecar runs on. A timer that fires runs
 * on the request's event loop, where the rest of the request runs too.
 * <p>
 * A request that did not arrive through Reactor Netty (a test's mock exchange), or a call made
 * off its event loop, gets Reactor's parallel scheduler.
 */
public final class EventLoopTimers {

	/** The scheduler of the event loop whose thread this is: a thread runs one event loop only. */
	private static final FastThreadLocal<Scheduler> SCHEDULERS = new FastThreadLocal<>();

	private EventLoopTimers() {
	}

	/** The scheduler for the timers of {@code exchange}'s request. */
	public static Scheduler of(ServerWebExchange exchange) {
		Object nativeRequest;
		try {
			nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
		}
		catch (IllegalStateException ex) {
			// a request with no server under it (Spring's mock says so this way)
			return Schedulers.parallel();
		}
		if (nativeRequest instanceof Connection connection) {
			EventLoop loop = connection.channel().eventLoop();
			if (loop.inEventLoop()) {
				Scheduler scheduler = SCHEDULERS.get();
				if (scheduler == null) {
					scheduler = Schedulers.fromExecutorService(loop, "trellis-request-timers");
					SCHEDULERS.set(scheduler);
				}
				return scheduler;
			}
		}
		return Schedulers.parallel();
	}

}
