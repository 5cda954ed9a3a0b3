package io.trellis.bench;

import java.nio.file.Path;

/**
 * The policy repositories of S9: the measured service {@value #TARGET} and, beside it, other
 * services with policies of the same size, each of {@value #ROUTES} routes that match on path
 * (prefix, exact or regex), methods, headers and query parameters, as a real service's routes
 * do.
 */
final class ScalePolicies {

	/** The service the load is sent to; its instance is the nginx upstream. */
	static final String TARGET = "scale-up";

	static final int ROUTES = 100;

	/** A path that only the target's first route matches. */
	static final String FIRST_ROUTE_PATH = "/api/r0/items";

	/** A path no route but the last (the catch-all) matches, after the other 99 were tried. */
	static final String LAST_ROUTE_PATH = "/other";

	private ScalePolicies() {
	}

	/** Writes {@code services} policy files (the target's and services − 1 others) and the mesh-wide defaults. */
	static void write(Path dir, int services) {
		Lab.write(dir.resolve("application.yml"), "mesh.policy.timeout: 10s\n");
		Lab.write(dir.resolve(TARGET + ".yml"), policy(false));
		String other = policy(true);
		for (int i = 1; i < services; i++) {
			Lab.write(dir.resolve(name(i) + ".yml"), other);
		}
	}

	/** The name of the i-th other service (1-based). */
	static String name(int i) {
		return "svc-%05d".formatted(i);
	}

	/**
	 * A policy of {@value #ROUTES} routes: the first matches {@value #FIRST_ROUTE_PATH}, the
	 * next 98 paths the load never sends (with methods, headers and query parameters as
	 * well), the last takes the rest. The target's routes go to the whole service (its
	 * instance has no labels); the others' split between two subsets.
	 */
	private static String policy(boolean subsets) {
		String to = subsets ? "[ { subset: v1, weight: 90 }, { subset: v2, weight: 10 } ]" : "[ { weight: 1 } ]";
		StringBuilder yaml = new StringBuilder("mesh:\n  policy:\n    timeout: 2s\n");
		if (subsets) {
			yaml.append("    subsets:\n      v1: { version: v1 }\n      v2: { version: v2 }\n");
		}
		yaml.append("    routes:\n");
		yaml.append("      - match: { path: { prefix: /api/r0 } }\n        to: ").append(to).append('\n');
		for (int j = 1; j < ROUTES - 1; j++) {
			String match = switch (j % 3) {
				case 0 -> "{ path: { prefix: /api/r" + j + " }, methods: [ GET, POST ], headers: { x-tenant: { regex: 't[0-9]+' } } }";
				case 1 -> "{ path: { exact: /api/r" + j + "/items }, query-params: { page: { present: true } } }";
				default -> "{ path: { regex: '/api/r" + j + "/[a-z]+/[0-9]+' }, headers: { x-canary: 'true' } }";
			};
			yaml.append("      - match: ").append(match).append("\n        to: ").append(to).append('\n');
		}
		yaml.append("      - to: ").append(to).append('\n');
		return yaml.toString();
	}

}
