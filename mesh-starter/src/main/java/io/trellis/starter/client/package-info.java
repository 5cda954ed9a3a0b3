/**
 * Sends an application's HTTP calls to mesh services through its local sidecar, and lets
 * chosen clients opt out.
 */
@NullMarked
package io.trellis.starter.client;

import org.jspecify.annotations.NullMarked;
