package io.trellis.gateway.tracing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import zipkin2.reporter.BytesMessageSender;
import zipkin2.reporter.Encoding;

/**
 * Posts encoded spans (JSON v2) to Zipkin's {@code /api/v2/spans} with the JDK's HTTP client,
 * from the span reporter's own thread, never from the request path.
 */
final class ZipkinHttpSender extends BytesMessageSender.Base {

	private static final int MAX_MESSAGE_BYTES = 512 * 1024;

	private final URI endpoint;

	private final HttpClient client;

	private volatile boolean closed;

	ZipkinHttpSender(URI endpoint) {
		super(Encoding.JSON);
		this.endpoint = endpoint;
		this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
	}

	@Override
	public int messageMaxBytes() {
		return MAX_MESSAGE_BYTES;
	}

	@Override
	public void send(List<byte[]> encodedSpans) throws IOException {
		if (this.closed) {
			throw new IllegalStateException("closed");
		}
		ByteArrayOutputStream body = new ByteArrayOutputStream(messageSizeInBytes(encodedSpans));
		body.write('[');
		for (int i = 0; i < encodedSpans.size(); i++) {
			if (i > 0) {
				body.write(',');
			}
			body.write(encodedSpans.get(i));
		}
		body.write(']');
		HttpRequest request = HttpRequest.newBuilder(this.endpoint)
			.timeout(Duration.ofSeconds(5))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()))
			.build();
		try {
			HttpResponse<Void> response = this.client.send(request, HttpResponse.BodyHandlers.discarding());
			if (response.statusCode() / 100 != 2) {
				throw new IOException("Zipkin at " + this.endpoint + " answered " + response.statusCode());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("interrupted while sending spans to " + this.endpoint, ex);
		}
	}

	@Override
	public void close() {
		this.closed = true;
	}

	@Override
	public String toString() {
		return "ZipkinHttpSender{" + this.endpoint + "}";
	}

}
