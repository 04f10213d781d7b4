		/* TODO(lab mutex_starvation): a starving waiter switches the
		 * mutex to starvation mode in the state it is about to CAS -
		 * but only while the mutex is locked (an unlocked mutex in
		 * starvation mode would have nobody to hand it over). */
