package io.trellis.gateway.route;

/** Exchange attributes the sidecar sets while routing a request. */
public final class MeshExchangeAttributes {

	/** The {@link Listener} the request arrived on. */
	public static final String LISTENER_ATTR = qualify("listener");

	/** The destination service of an outbound request. */
	public static final String DESTINATION_ATTR = qualify("destination");

	/** The {@link io.trellis.core.policy.Subset} the route chose, absent for the whole service. */
	public static final String SUBSET_ATTR = qualify("subset");

	/** The {@link io.trellis.core.policy.LoadBalancing} of the policy the request was routed by. */
	public static final String LOAD_BALANCING_ATTR = qualify("load-balancing");

	/** The {@link io.trellis.core.policy.OutlierDetection} of the policy the request was routed by. */
	public static final String OUTLIER_DETECTION_ATTR = qualify("outlier-detection");

	/**
	 * The endpoints (instance ids) already tried for this request, in order; present when the
	 * route retries, so a retry goes to another endpoint when there is one.
	 */
	public static final String TRIED_ENDPOINTS_ATTR = qualify("tried-endpoints");

	private MeshExchangeAttributes() {
	}

	private static String qualify(String name) {
		return MeshExchangeAttributes.class.getName() + "." + name;
	}

}
