	/* TODO(lab sweep): sweep the span. An object is dead if it is
	 * allocated (allocBits) but was not marked (gcmarkBits): call
	 * dead(s, index, arg) for each one (when dead is not NULL) and count
	 * them. Then the mark bits become the alloc bits (swap the two
	 * pointers), the new mark bitmap is cleared for the next cycle,
	 * allocCount becomes the number of marked objects, and the
	 * allocation cache is refilled (span_refill_cache(s, 0)). Return the
	 * number of objects freed. labs/sweep/README.md has the details. */
	(void)dead; (void)arg;
	return 0;
