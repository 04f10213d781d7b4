// vs_ring - the Go twin of main.c: 503 goroutines in a ring of unbuffered
// channels pass a token that starts at N and is decremented at every hop;
// the goroutine that receives 0 reports its number (1-based).
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
)

const nring = 503

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
	n := vsgo.Size(5000000)
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
