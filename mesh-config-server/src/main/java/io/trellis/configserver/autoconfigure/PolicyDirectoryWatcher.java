package io.trellis.configserver.autoconfigure;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Turns file system events in the policy directories (inotify on Linux) into an immediate
 * scan, so an edit is served within milliseconds rather than at the next poll. Events are
 * coalesced for a short quiet period, so an editor's several writes make one scan. Polling
 * stays on as the fallback: some file systems (network mounts, some container volumes)
 * deliver no events, and on platforms where the JDK's watch service itself polls, events come
 * late.
 */
final class PolicyDirectoryWatcher implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(PolicyDirectoryWatcher.class);

	private final WatchService service;

	private final Thread thread;

	private PolicyDirectoryWatcher(WatchService service, Runnable onChange, Duration quietPeriod) {
		this.service = service;
		this.thread = new Thread(() -> run(onChange, quietPeriod), "trellis-policy-watch");
		this.thread.setDaemon(true);
	}

	/**
	 * Starts watching the directories; null when there are none or the file system offers no
	 * events (polling alone then finds changes).
	 * @param onChange called on the watcher's thread after a burst of events has gone quiet
	 */
	static PolicyDirectoryWatcher start(List<Path> directories, Runnable onChange, Duration quietPeriod) {
		if (directories.isEmpty()) {
			return null;
		}
		WatchService service;
		try {
			service = FileSystems.getDefault().newWatchService();
		}
		catch (IOException | UnsupportedOperationException ex) {
			logger.info("No file system events for policy directories (" + ex.getMessage() + "); polling only");
			return null;
		}
		int registered = 0;
		for (Path directory : directories) {
			try {
				directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
						StandardWatchEventKinds.ENTRY_DELETE);
				registered++;
			}
			catch (IOException | RuntimeException ex) {
				logger.warn("Cannot watch policy directory " + directory + " for changes (" + ex.getMessage()
						+ "); it is still polled");
			}
		}
		if (registered == 0) {
			closeQuietly(service);
			return null;
		}
		PolicyDirectoryWatcher watcher = new PolicyDirectoryWatcher(service, onChange, quietPeriod);
		watcher.thread.start();
		return watcher;
	}

	private void run(Runnable onChange, Duration quietPeriod) {
		try {
			while (true) {
				WatchKey key = this.service.take();
				drain(key);
				// Coalesce the rest of the burst: truncate, write, close and rename each notify.
				WatchKey more;
				while ((more = this.service.poll(quietPeriod.toMillis(), TimeUnit.MILLISECONDS)) != null) {
					drain(more);
				}
				try {
					onChange.run();
				}
				catch (RuntimeException ex) {
					logger.warn("Policy scan after a file system event failed: " + ex.getMessage(), ex);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (ClosedWatchServiceException ex) {
			// Closed: the control plane is stopping.
		}
	}

	private static void drain(WatchKey key) {
		key.pollEvents();
		if (!key.reset()) {
			logger.warn("Policy directory " + key.watchable() + " can no longer be watched (removed?); it is still "
					+ "polled");
		}
	}

	@Override
	public void close() {
		closeQuietly(this.service);
		this.thread.interrupt();
	}

	private static void closeQuietly(WatchService service) {
		try {
			service.close();
		}
		catch (IOException ex) {
			// Nothing more to release.
		}
	}

}
