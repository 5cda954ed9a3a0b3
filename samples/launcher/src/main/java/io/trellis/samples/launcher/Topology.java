package io.trellis.samples.launcher;

import java.util.List;

/**
 * The sample mesh: which services run, in which versions, on which ports. Each instance has
 * its app port and its sidecar's outbound, inbound and admin ports; an offset shifts them all,
 * the port of the optional Zipkin server ({@code ./mesh demo --zipkin}) included.
 */
public record Topology(int controlPlanePort, int zipkinPort, List<Instance> instances) {

	/** The sample topology: frontend calls catalog and orders; orders (v1 and v2) calls inventory. */
	public static Topology sample(int offset) {
		return new Topology(8888 + offset, 9411 + offset, List.of(
				new Instance("frontend", "v1", "sample-frontend", 8080 + offset, 15000 + offset),
				new Instance("catalog", "v1", "sample-catalog", 8081 + offset, 15100 + offset),
				new Instance("orders", "v1", "sample-orders", 8082 + offset, 15200 + offset),
				new Instance("orders", "v2", "sample-orders", 8083 + offset, 15300 + offset),
				new Instance("inventory", "v1", "sample-inventory", 8084 + offset, 15400 + offset)));
	}

	/** Every port the topology listens on, Zipkin's when {@code withZipkin}. */
	public List<Integer> ports(boolean withZipkin) {
		java.util.List<Integer> ports = new java.util.ArrayList<>();
		ports.add(this.controlPlanePort);
		if (withZipkin) {
			ports.add(this.zipkinPort);
		}
		for (Instance instance : this.instances) {
			ports.add(instance.appPort());
			ports.add(instance.adminPort());
			ports.add(instance.outboundPort());
			ports.add(instance.inboundPort());
		}
		return ports;
	}

	/**
	 * One instance of a service and its sidecar.
	 * @param service the service
	 * @param version the version label
	 * @param artifact the sample module that runs it
	 * @param appPort the app's port
	 * @param adminPort the sidecar's admin port; outbound is +1, inbound +6 (as 15000/15001/15006)
	 */
	public record Instance(String service, String version, String artifact, int appPort, int adminPort) {

		public int outboundPort() {
			return this.adminPort + 1;
		}

		public int inboundPort() {
			return this.adminPort + 6;
		}

		public String name() {
			return this.service + "-" + this.version;
		}

	}

}
