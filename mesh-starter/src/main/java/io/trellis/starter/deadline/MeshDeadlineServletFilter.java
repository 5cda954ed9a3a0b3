package io.trellis.starter.deadline;

import java.io.IOException;

import io.trellis.core.http.MeshHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Keeps the deadline of each request a servlet application handles ({@link MeshDeadline}) for
 * the calls it makes on the request's thread.
 */
public class MeshDeadlineServletFilter extends OncePerRequestFilter {

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Long deadline = MeshDeadline.fromHeader(request.getHeader(MeshHeaders.TIMEOUT));
		if (deadline == null) {
			chain.doFilter(request, response);
			return;
		}
		Long outer = MeshDeadline.current();
		MeshDeadline.set(deadline);
		try {
			chain.doFilter(request, response);
		}
		finally {
			MeshDeadline.set(outer);
		}
	}

}
