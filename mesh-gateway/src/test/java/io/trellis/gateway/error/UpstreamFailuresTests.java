package io.trellis.gateway.error;

import java.net.ConnectException;

import org.junit.jupiter.api.Test;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamFailuresTests {

	@Test
	void aPooledConnectionFoundClosedBeforeTheRequestWasSentIsAConnectFailure() {
		// Seen when an instance is killed under load: its pooled connection closes as a request
		// is about to be written on it. Nothing was sent, so any request may be retried.
		AbortedException beforeSend = AbortedException.beforeSend();
		assertThat(beforeSend.getMessage()).isEqualTo(UpstreamFailures.CLOSED_BEFORE_SEND);
		assertThat(UpstreamFailures.isConnectFailure(beforeSend)).isTrue();
		assertThat(UpstreamFailures.isConnectFailure(new RuntimeException("wrapped", beforeSend))).isTrue();
		assertThat(UpstreamFailures.isConnectionFailure(beforeSend)).isTrue();
	}

	@Test
	void otherAbortsAndResetsAreNotConnectFailures() {
		assertThat(UpstreamFailures.isConnectFailure(new AbortedException("Connection has been closed"))).isFalse();
		assertThat(UpstreamFailures.isConnectFailure(new IllegalStateException("boom"))).isFalse();
		assertThat(UpstreamFailures.isConnectFailure(new ConnectException("refused"))).isTrue();
		assertThat(UpstreamFailures.isReset(PrematureCloseException.TEST_EXCEPTION)).isTrue();
		assertThat(UpstreamFailures.isConnectFailure(PrematureCloseException.TEST_EXCEPTION)).isFalse();
	}

}
