			/* TODO(lab mutex_starvation): back from the semaphore,
			 * decide whether this waiter is starving: it has waited
			 * (since waitStartTime) longer than
			 * starvationThresholdNs. Once starving, it stays so. */
