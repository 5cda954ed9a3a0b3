package io.trellis.core.sync;

/**
 * A sidecar's account of one service's policy: the version it runs and, when it refused a
 * newer one, that version and why.
 *
 * @param service the service the policy is for
 * @param applied the version in use, or {@code null} when none is
 * @param rejected the last version refused since {@code applied}, or {@code null}
 * @param reason why {@code rejected} was refused
 */
public record PolicyAck(String service, String applied, String rejected, String reason) {
}
