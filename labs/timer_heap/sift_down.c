	/* TODO(lab timer_heap): move the timer at heap[i] down: while one of
	 * its up to four children (4i+1 .. 4i+4, below ts->len) has an
	 * earlier `when`, swap it with the earliest child. Use place(). */
	place(ts, i, ts->heap[i]);
