// vs_spawn - the Go twin of main.c: spawn and join N goroutines, in rounds
// of at most 10,000 started together and joined with a WaitGroup; each adds
// its number to a shared sum.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// size is the work size: the first argument, or def without one.
func size(def int64) int64 {
	if len(os.Args) < 2 {
		return def
	}
	n, err := strconv.ParseInt(os.Args[1], 10, 64)
	if err != nil || n < 0 {
		fmt.Printf("usage: %s [N] wants a positive size, not %q\n", os.Args[0], os.Args[1])
		os.Exit(2)
	}
	if n == 0 {
		return def
	}
	return n
}

const round = 10000

func main() {
	n := size(1000000)
	var wg sync.WaitGroup
	var sum int64
	for base := int64(0); base < n; base += round {
		end := base + round
		if end > n {
			end = n
		}
		wg.Add(int(end - base))
		for i := base; i < end; i++ {
			go func(v int64) {
				atomic.AddInt64(&sum, v)
				wg.Done()
			}(i + 1)
		}
		wg.Wait()
	}
	fmt.Printf("result: spawn %d %d\n", n, atomic.LoadInt64(&sum))
}
