// vs_mutex - the Go twin of main.c: 8 goroutines each take one sync.Mutex
// N times to increment a shared counter.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
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

const nworkers = 8

func main() {
	iters := size(4000000)
	var mu sync.Mutex
	var counter int64 // protected by mu
	var wg sync.WaitGroup
	wg.Add(nworkers)
	for w := 0; w < nworkers; w++ {
		go func() {
			for i := int64(0); i < iters; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	fmt.Printf("result: mutex %d %d\n", iters, counter)
}
