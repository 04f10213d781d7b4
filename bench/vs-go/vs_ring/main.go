// vs_ring - the Go twin of main.c: 503 goroutines in a ring of unbuffered
// channels pass a token that starts at N and is decremented at every hop;
// the goroutine that receives 0 reports its number (1-based).
package main

import (
	"fmt"
	"os"
	"strconv"
)

const nring = 503

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

func member(id int, in <-chan int64, out chan<- int64, done chan<- int64) {
	for {
		token := <-in
		if token == 0 {
			done <- int64(id + 1)
			return
		}
		out <- token - 1
	}
}

func main() {
	n := size(5000000)
	done := make(chan int64)
	var ring [nring]chan int64
	for i := range ring {
		ring[i] = make(chan int64)
	}
	for i := 0; i < nring; i++ {
		go member(i, ring[i], ring[(i+1)%nring], done)
	}
	ring[0] <- n
	fmt.Printf("result: ring %d %d\n", n, <-done)
}
