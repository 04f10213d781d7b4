	/* TODO(lab runq_steal): claim about half of src's Gs - n - n/2 of
	 * the n between head and tail - by copying their slots into dst's
	 * ring from dst_tail on, then moving src->head past them with one
	 * CAS (retry from the top if it fails: another consumer was faster).
	 * With an empty ring and steal_runnext, take src->runnext instead.
	 * Return how many you claimed (0: nothing to steal). Every atomic
	 * needs the right memory order: see the comment at the top of this
	 * file and labs/runq_steal/README.md. */
	(void)src; (void)dst; (void)dst_tail; (void)steal_runnext;
	return 0;
