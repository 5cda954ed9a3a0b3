/**
 * The application's side of the sidecar's admin listener: health checks and the startup wait.
 */
@NullMarked
package io.trellis.starter.sidecar;

import org.jspecify.annotations.NullMarked;
