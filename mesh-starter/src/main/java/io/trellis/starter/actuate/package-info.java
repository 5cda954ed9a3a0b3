/**
 * Actuator support: the {@code sidecar} health indicator and the {@code /actuator/mesh}
 * endpoint.
 */
@NullMarked
package io.trellis.starter.actuate;

import org.jspecify.annotations.NullMarked;
