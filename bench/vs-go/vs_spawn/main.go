// vs_spawn - the Go twin of main.c: spawn and join N goroutines, in rounds
// of at most 10,000 started together and joined with a WaitGroup; each adds
// its number to a shared sum.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
	"sync"
	"sync/atomic"
)

const round = 10000

func main() {
	n := vsgo.Size(1000000)
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
