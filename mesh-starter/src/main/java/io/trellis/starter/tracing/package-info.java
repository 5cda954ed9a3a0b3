/**
 * The starter's defaults for distributed tracing, which Spring Boot's Micrometer Tracing
 * (Brave bridge) and Zipkin auto-configuration provide.
 */
@NullMarked
package io.trellis.starter.tracing;

import org.jspecify.annotations.NullMarked;
