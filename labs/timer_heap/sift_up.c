	/* TODO(lab timer_heap): move the timer at heap[i] up the 4-ary heap
	 * (the parent of i is (i - 1) / 4) while its parent's `when` is
	 * later. Use place() for every store, so that each timer's idx
	 * stays right. */
	place(ts, i, ts->heap[i]);
