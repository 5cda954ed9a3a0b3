package io.trellis.core.policy;

/**
 * One reason a policy was rejected: the file, the field and, where known, the position in
 * the file.
 *
 * @param file the file the offending value came from ({@code orders.yml}), or {@code null}
 * when the error concerns a value missing from every file
 * @param field the full property name, for example {@code mesh.policy.routes[0].to[0].weight}
 * @param position {@code line:column} in the file, or {@code null} when unknown
 * @param reason what is wrong, naming the bad value
 */
public record PolicyError(String file, String field, String position, String reason) {

	@Override
	public String toString() {
		StringBuilder out = new StringBuilder();
		if (this.file != null) {
			out.append(this.file);
			if (this.position != null) {
				out.append(':').append(this.position);
			}
			out.append(": ");
		}
		return out.append(this.field).append(": ").append(this.reason).toString();
	}

}
