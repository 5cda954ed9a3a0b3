package io.trellis.starter.client;

import io.trellis.core.http.MeshHeaders;
import java.net.URI;

/**
 * How one outbound call goes through the sidecar: which service it is for, the value of the
 * {@link MeshHeaders#DESTINATION} header, and the URI on the sidecar's outbound listener.
 *
 * @param service the destination service (the URL's host, lower case)
 * @param destination {@code service} or {@code service:port} when the URL named a port
 * @param sidecarUri the URL's path and query on the sidecar's outbound listener
 */
public record MeshRoute(String service, String destination, URI sidecarUri) {

}
