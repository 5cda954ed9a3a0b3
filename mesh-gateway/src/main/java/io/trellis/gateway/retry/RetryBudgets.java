package io.trellis.gateway.retry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/** The retry budget of every destination service, kept across policy versions. */
public class RetryBudgets {

	private final Map<String, RetryBudget> budgets = new ConcurrentHashMap<>();

	/** The budget of a service, created on first use. */
	public RetryBudget get(String service) {
		RetryBudget budget = this.budgets.get(service);
		return (budget != null) ? budget : this.budgets.computeIfAbsent(service, (key) -> new RetryBudget());
	}

	/** Every budget, by service. */
	public Map<String, RetryBudget> all() {
		return new TreeMap<>(this.budgets);
	}

}
