package io.trellis.core.policy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.PropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;

/**
 * Reads policy files ({@code .yml}, {@code .yaml}, {@code .properties}) into
 * {@link PolicySource}s with the position of every key, the way Spring Boot reads its own
 * configuration files.
 */
public final class PolicyFiles {

	private PolicyFiles() {
	}

	/** Whether a file name is one the policy repository reads. */
	public static boolean isPolicyFile(String fileName) {
		String name = fileName.toLowerCase(Locale.ROOT);
		return name.endsWith(".yml") || name.endsWith(".yaml") || name.endsWith(".properties");
	}

	/** The service a policy file is for: its name without extension. */
	public static String serviceOf(String fileName) {
		int dot = fileName.lastIndexOf('.');
		return (dot > 0) ? fileName.substring(0, dot) : fileName;
	}

	/**
	 * Reads one file. A multi-document YAML file gives one source per document, later
	 * documents first (they take precedence, as in Spring Boot).
	 * @throws PolicyException when the file is not well-formed
	 */
	public static List<PolicySource> read(Path file) {
		String name = file.getFileName().toString();
		PropertySourceLoader loader = name.toLowerCase(Locale.ROOT).endsWith(".properties")
				? new PropertiesPropertySourceLoader() : new YamlPropertySourceLoader();
		List<PropertySource<?>> loaded;
		try {
			loaded = loader.load(name, new FileSystemResource(file));
		}
		catch (IOException | RuntimeException ex) {
			String reason = (ex.getMessage() != null) ? ex.getMessage().replaceAll("\\s+", " ").trim()
					: ex.getClass().getSimpleName();
			throw new PolicyException(serviceOf(name),
					List.of(new PolicyError(name, "(file)", null, "cannot be read: " + reason)));
		}
		List<PolicySource> sources = new java.util.ArrayList<>();
		for (PropertySource<?> source : loaded) {
			sources.add(0, toPolicySource(name, source));
		}
		return sources;
	}

	@SuppressWarnings("unchecked")
	static PolicySource toPolicySource(String name, PropertySource<?> source) {
		Map<String, Object> properties = new LinkedHashMap<>();
		Map<String, String> positions = new LinkedHashMap<>();
		if (source instanceof EnumerablePropertySource<?> enumerable) {
			for (String key : enumerable.getPropertyNames()) {
				properties.put(key, enumerable.getProperty(key));
				if (source instanceof OriginLookup<?> lookup) {
					Origin origin = ((OriginLookup<String>) lookup).getOrigin(key);
					if (origin instanceof TextResourceOrigin text && text.getLocation() != null) {
						positions.put(key, text.getLocation().toString());
					}
				}
			}
		}
		return new PolicySource(name, properties, positions);
	}

}
