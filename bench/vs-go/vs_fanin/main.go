// vs_fanin - the Go twin of main.c: 4 producers each send 1..N on their own
// unbuffered channel and close it; main receives with a 4-way select until
// all four are closed (a closed channel's case is disabled by making it
// nil) and prints the count and the sum.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
)

func producer(out chan<- int64, per int64) {
	for i := int64(1); i <= per; i++ {
		out <- i
	}
	close(out)
}

func main() {
	per := vsgo.Size(250000)
	var c [4]chan int64
	for i := range c {
		c[i] = make(chan int64)
		go producer(c[i], per)
	}
	var count, sum int64
	for open := 4; open > 0; {
		var v int64
		var ok bool
		var k int
		select {
		case v, ok = <-c[0]:
			k = 0
		case v, ok = <-c[1]:
			k = 1
		case v, ok = <-c[2]:
			k = 2
		case v, ok = <-c[3]:
			k = 3
		}
		if !ok {
			c[k] = nil
			open--
			continue
		}
		count++
		sum += v
	}
	fmt.Printf("result: fanin %d %d %d\n", per, count, sum)
}
