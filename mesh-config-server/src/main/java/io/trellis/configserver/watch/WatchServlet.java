package io.trellis.configserver.watch;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import io.trellis.configserver.status.SyncStatusRegistry;
import io.trellis.core.watch.WatchRequest;
import io.trellis.core.watch.WatchResponse;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;

/**
 * The watch long-poll, {@code POST /mesh/v1/watch}, as a plain asynchronous servlet: a held
 * watch waits in the servlet container without a thread, and its answer is written straight
 * to the connection by whoever completes it (a policy scan, a registry change, the end of the
 * wait). Spring MVC would dispatch each answer through the container and the whole
 * DispatcherServlet again; when one policy change answers a thousand watches at once on one
 * core, that dispatch was most of the time it took to reach every sidecar.
 * <p>
 * Bad input is answered like the rest of the control plane's API: 400 with a problem
 * ({@code application/problem+json}) whose detail names what was wrong.
 */
public class WatchServlet extends HttpServlet {

	/** Longest request body read: a watch of {@link WatchHub#MAX_SERVICES} long service names fits. */
	static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

	private static final Log logger = LogFactory.getLog(WatchServlet.class);

	private final transient WatchHub hub;

	private final transient SyncStatusRegistry status;

	private final transient JsonMapper json;

	public WatchServlet(WatchHub hub, SyncStatusRegistry status, JsonMapper json) {
		this.hub = hub;
		this.status = status;
		this.json = json;
	}

	@Override
	protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
		String contentType = request.getContentType();
		if (contentType != null && !isJson(contentType)) {
			problem(request, response, HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
					"Content-Type '" + contentType + "' is not supported, send application/json");
			return;
		}
		WatchRequest watchRequest;
		try {
			watchRequest = read(request);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			problem(request, response, HttpServletResponse.SC_BAD_REQUEST, "Malformed request body: " + reason(ex));
			return;
		}
		if (watchRequest == null) {
			problem(request, response, HttpServletResponse.SC_BAD_REQUEST, "Malformed request body: no watch request");
			return;
		}
		if (watchRequest.sidecar() != null) {
			this.status.seen(watchRequest.sidecar());
		}
		WatchHub.Watch watch;
		try {
			watch = this.hub.watch(watchRequest);
		}
		catch (IllegalArgumentException ex) {
			problem(request, response, HttpServletResponse.SC_BAD_REQUEST, ex.getMessage());
			return;
		}
		if (watch.isDone()) {
			write(response, watch.response());
			return;
		}
		AsyncContext async = request.startAsync(request, response);
		// The container ends the wait (Tomcat checks held requests about once a second).
		async.setTimeout(watch.waitMillis());
		AtomicBoolean ended = new AtomicBoolean();
		async.addListener(new AsyncListener() {

			@Override
			public void onTimeout(AsyncEvent event) {
				watch.expire();
			}

			@Override
			public void onError(AsyncEvent event) {
				watch.cancel();
				end(async, ended);
			}

			@Override
			public void onComplete(AsyncEvent event) {
				watch.cancel();
			}

			@Override
			public void onStartAsync(AsyncEvent event) {
			}

		});
		watch.answer().whenComplete((answer, failure) -> {
			if (answer != null && !ended.get()) {
				try {
					write((HttpServletResponse) async.getResponse(), answer);
				}
				catch (IOException | RuntimeException ex) {
					// The sidecar went away; it watches again when it reconnects.
					logger.debug("Could not answer a watch", ex);
				}
			}
			end(async, ended);
		});
	}

	private static void end(AsyncContext async, AtomicBoolean ended) {
		if (ended.compareAndSet(false, true)) {
			try {
				async.complete();
			}
			catch (IllegalStateException ex) {
				// Already completed by the container (the connection failed).
			}
		}
	}

	private WatchRequest read(HttpServletRequest request) throws IOException {
		long length = request.getContentLengthLong();
		if (length > MAX_BODY_BYTES) {
			throw new IllegalArgumentException("the body is " + length + " bytes, at most " + MAX_BODY_BYTES
					+ " are read");
		}
		try (InputStream body = request.getInputStream()) {
			byte[] bytes = body.readNBytes(MAX_BODY_BYTES + 1);
			if (bytes.length > MAX_BODY_BYTES) {
				throw new IllegalArgumentException("the body is over " + MAX_BODY_BYTES + " bytes");
			}
			if (bytes.length == 0) {
				throw new IllegalArgumentException("the body is empty");
			}
			return this.json.readValue(bytes, WatchRequest.class);
		}
	}

	private void write(HttpServletResponse response, WatchResponse answer) throws IOException {
		byte[] body = this.json.writeValueAsBytes(answer);
		response.setStatus(HttpServletResponse.SC_OK);
		response.setContentType(MediaType.APPLICATION_JSON_VALUE);
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
		response.flushBuffer();
	}

	private void problem(HttpServletRequest request, HttpServletResponse response, int status, String detail)
			throws IOException {
		Map<String, Object> problem = new LinkedHashMap<>();
		problem.put("type", "about:blank");
		problem.put("title", (status == HttpServletResponse.SC_BAD_REQUEST) ? "Bad Request" : "Unsupported Media Type");
		problem.put("status", status);
		problem.put("detail", detail);
		problem.put("instance", request.getRequestURI());
		byte[] body = this.json.writeValueAsBytes(problem);
		response.setStatus(status);
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setContentLength(body.length);
		response.getOutputStream().write(body);
	}

	private static boolean isJson(String contentType) {
		try {
			MediaType type = MediaType.parseMediaType(contentType);
			return type.isCompatibleWith(MediaType.APPLICATION_JSON);
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	private static String reason(Exception ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		if (ex instanceof JacksonException jackson && cause == ex) {
			return jackson.getOriginalMessage();
		}
		return (cause.getMessage() != null) ? cause.getMessage() : ex.getMessage();
	}

}
