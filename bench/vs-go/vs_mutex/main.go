// vs_mutex - the Go twin of main.c: 8 goroutines each take one sync.Mutex
// N times to increment a shared counter.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
	"sync"
)

const nworkers = 8

func main() {
	iters := vsgo.Size(4000000)
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
