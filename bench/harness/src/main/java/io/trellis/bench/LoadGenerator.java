package io.trellis.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import org.HdrHistogram.Histogram;

/**
 * An open-loop, constant-rate HTTP/1.1 load generator over a fixed set of keep-alive
 * connections. Request {@code i} is due at {@code start + i / rate} whatever happened to
 * earlier requests; its latency is measured from that intended time, so a stall of the server
 * shows as the latency of every request it delayed (coordinated omission corrected, as wrk2
 * does). When every connection is busy, due requests queue and wait, and their wait counts.
 * Everything runs on one Netty event loop.
 */
final class LoadGenerator implements AutoCloseable {

	private static final AttributeKey<Long> INTENDED = AttributeKey.valueOf("intended");

	private static final AttributeKey<Integer> STATUS = AttributeKey.valueOf("status");

	private final EventLoopGroup group;

	private final Class<? extends SocketChannel> channelType;

	LoadGenerator() {
		if (Epoll.isAvailable()) {
			this.group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
			this.channelType = EpollSocketChannel.class;
		}
		else {
			this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
			this.channelType = NioSocketChannel.class;
		}
	}

	/**
	 * Sends requests at {@code rate} per second for {@code warmup + duration}, recording those
	 * due after the warm-up.
	 */
	Result run(URI target, String host, int connections, double rate, Duration warmup, Duration duration)
			throws Exception {
		Run run = new Run(target, host, connections, rate, warmup, duration);
		return run.execute();
	}

	@Override
	public void close() {
		this.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
	}

	/**
	 * @param latency the latencies of requests due in the measured window, in microseconds
	 * @param sent requests due in the measured window that were sent
	 * @param errors of those, how many failed (a status other than 2xx, or a broken connection)
	 * @param incomplete requests due in the window still unanswered when it ended plus a timeout
	 * @param seconds the length of the measured window
	 */
	record Result(Histogram latency, long sent, long errors, long incomplete, double seconds) {

		double achievedRate() {
			return (this.sent - this.errors - this.incomplete) / this.seconds;
		}

	}

	/** One measurement: its connections, its schedule and its counters, all on the event loop. */
	private final class Run {

		private final URI target;

		private final String host;

		private final int connections;

		private final long interval;

		private final long warmupNanos;

		private final long durationNanos;

		private final EventLoop loop;

		private final ArrayDeque<Channel> idle = new ArrayDeque<>();

		private final ArrayDeque<Long> backlog = new ArrayDeque<>();

		private final Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);

		private final CompletableFuture<Result> done = new CompletableFuture<>();

		private final List<Channel> channels = new ArrayList<>();

		private Bootstrap bootstrap;

		private long start;

		private long measureFrom;

		private long end;

		private long next;

		private long sent;

		private long errors;

		private long inFlight;

		private boolean finishing;

		Run(URI target, String host, int connections, double rate, Duration warmup, Duration duration) {
			this.target = target;
			this.host = host;
			this.connections = connections;
			this.interval = (long) (1_000_000_000L / rate);
			this.warmupNanos = warmup.toNanos();
			this.durationNanos = duration.toNanos();
			this.loop = LoadGenerator.this.group.next();
		}

		Result execute() throws Exception {
			this.bootstrap = new Bootstrap().group(this.loop)
				.channel(LoadGenerator.this.channelType)
				.option(ChannelOption.TCP_NODELAY, true)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
				.handler(new ChannelInitializer<SocketChannel>() {
					@Override
					protected void initChannel(SocketChannel channel) {
						channel.pipeline().addLast(new HttpClientCodec(), new ResponseHandler());
					}
				});
			InetSocketAddress address = new InetSocketAddress(this.target.getHost(), this.target.getPort());
			for (int i = 0; i < this.connections; i++) {
				Channel channel = this.bootstrap.connect(address).sync().channel();
				this.channels.add(channel);
			}
			this.loop.execute(() -> {
				this.channels.forEach(this.idle::add);
				this.start = System.nanoTime() + 10_000_000;
				this.measureFrom = this.start + this.warmupNanos;
				this.end = this.measureFrom + this.durationNanos;
				this.next = this.start;
				schedule();
			});
			long wait = this.warmupNanos + this.durationNanos + TimeUnit.SECONDS.toNanos(30);
			try {
				return this.done.get(wait, TimeUnit.NANOSECONDS);
			}
			finally {
				this.channels.forEach(Channel::close);
			}
		}

		private void schedule() {
			long delay = this.next - System.nanoTime();
			this.loop.schedule(this::tick, Math.max(0, delay), TimeUnit.NANOSECONDS);
		}

		private void tick() {
			long now = System.nanoTime();
			while (this.next <= now && this.next < this.end) {
				dispatch(this.next);
				this.next += this.interval;
			}
			if (this.next < this.end) {
				schedule();
			}
			else {
				finish();
			}
		}

		private void dispatch(long intended) {
			Channel channel = this.idle.poll();
			if (channel == null) {
				this.backlog.add(intended);
			}
			else {
				send(channel, intended);
			}
		}

		private void send(Channel channel, long intended) {
			channel.attr(INTENDED).set(intended);
			channel.attr(STATUS).set(0);
			if (intended >= this.measureFrom) {
				this.sent++;
			}
			this.inFlight++;
			FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
					this.target.getRawPath().isEmpty() ? "/" : this.target.getRawPath());
			request.headers().set(HttpHeaderNames.HOST, this.host);
			channel.writeAndFlush(request);
		}

		void completed(Channel channel, boolean ok) {
			long now = System.nanoTime();
			Long intended = channel.attr(INTENDED).getAndSet(null);
			if (intended == null) {
				return;
			}
			this.inFlight--;
			if (intended >= this.measureFrom && intended < this.end) {
				if (ok) {
					this.latency.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(now - intended),
							this.latency.getHighestTrackableValue()));
				}
				else {
					this.errors++;
				}
			}
			Long waiting = this.backlog.poll();
			if (!channel.isActive()) {
				replace(channel, waiting);
			}
			else if (waiting != null) {
				send(channel, waiting);
			}
			else {
				this.idle.add(channel);
			}
			if (this.finishing) {
				finishIfQuiet();
			}
		}

		void closed(Channel channel) {
			if (this.done.isDone()) {
				return;
			}
			if (channel.attr(INTENDED).get() != null) {
				completed(channel, false);
			}
			else if (this.idle.remove(channel)) {
				replace(channel, null);
			}
		}

		private void replace(Channel broken, Long waiting) {
			if (this.done.isDone()) {
				return;
			}
			this.channels.remove(broken);
			this.bootstrap.connect(new InetSocketAddress(this.target.getHost(), this.target.getPort()))
				.addListener((future) -> {
					Channel channel = ((io.netty.channel.ChannelFuture) future).channel();
					if (future.isSuccess()) {
						this.channels.add(channel);
						if (waiting != null) {
							send(channel, waiting);
						}
						else {
							this.idle.add(channel);
						}
					}
					else if (waiting != null) {
						if (waiting >= this.measureFrom) {
							this.sent++;
							this.errors++;
						}
						this.loop.schedule(() -> replace(broken, null), 100, TimeUnit.MILLISECONDS);
					}
				});
		}

		private void finish() {
			this.finishing = true;
			// Whatever is still queued or in flight gets a last chance to complete.
			this.loop.schedule(this::giveUp, 10, TimeUnit.SECONDS);
			finishIfQuiet();
		}

		private void finishIfQuiet() {
			if (this.inFlight == 0 && this.backlog.isEmpty()) {
				complete(0);
			}
		}

		private void giveUp() {
			long incomplete = this.backlog.stream().filter((t) -> t >= this.measureFrom).count() + this.inFlight;
			complete(incomplete);
		}

		private void complete(long incomplete) {
			if (!this.done.isDone()) {
				this.done.complete(new Result(this.latency.copy(), this.sent, this.errors, incomplete,
						this.durationNanos / 1e9));
			}
		}

		private final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {

			@Override
			protected void channelRead0(ChannelHandlerContext ctx, HttpObject message) {
				if (message instanceof HttpResponse response) {
					ctx.channel().attr(STATUS).set(response.status().code());
				}
				if (message instanceof LastHttpContent) {
					int status = ctx.channel().attr(STATUS).get();
					completed(ctx.channel(), status >= 200 && status < 300);
				}
			}

			@Override
			public void channelInactive(ChannelHandlerContext ctx) {
				closed(ctx.channel());
			}

			@Override
			public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
				ctx.close();
			}

		}

	}

}
