// vs_pingpong - the Go twin of main.c: main and one other goroutine bounce
// a counter over two unbuffered channels N times: main sends i on ping,
// the partner answers i+1 on pong.
package main

import (
	"fmt"
	"os"
	"strconv"
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

func partner(ping <-chan int64, pong chan<- int64) {
	for v := range ping {
		pong <- v + 1
	}
}

func main() {
	n := size(1000000)
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
