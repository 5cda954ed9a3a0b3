/**
 * Auto-configuration of the Trellis starter, registered in
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}.
 */
@NullMarked
package io.trellis.starter.autoconfigure;

import org.jspecify.annotations.NullMarked;
