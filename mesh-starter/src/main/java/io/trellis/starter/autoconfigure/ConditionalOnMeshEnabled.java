package io.trellis.starter.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * Matches unless {@code mesh.enabled} is {@code false}: the one switch that makes the
 * application run as if the starter were absent.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@ConditionalOnBooleanProperty(name = MeshProperties.PREFIX + ".enabled", matchIfMissing = true)
public @interface ConditionalOnMeshEnabled {

}
