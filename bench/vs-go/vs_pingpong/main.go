// vs_pingpong - the Go twin of main.c: main and one other goroutine bounce
// a counter over two unbuffered channels N times: main sends i on ping,
// the partner answers i+1 on pong.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
)

func partner(ping <-chan int64, pong chan<- int64) {
	for v := range ping {
		pong <- v + 1
	}
}

func main() {
	n := vsgo.Size(1000000)
	var sum int64
	ping, pong := make(chan int64), make(chan int64)
	go partner(ping, pong)
	for i := int64(0); i < n; i++ {
		ping <- i
		sum += <-pong
	}
	close(ping)
	fmt.Printf("result: pingpong %d %d\n", n, sum)
}
