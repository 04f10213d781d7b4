// vs_sieve - the Go twin of main.c: the concurrent prime sieve. A generator
// sends 2, 3, 4, ... on an unbuffered channel; each prime found adds a
// filter goroutine. Finds the first N primes; prints the last and their sum.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
)

func generate(out chan<- int64) {
	for i := int64(2); ; i++ {
		out <- i
	}
}

func filter(in <-chan int64, out chan<- int64, prime int64) {
	for {
		v := <-in
		if v%prime != 0 {
			out <- v
		}
	}
}

func main() {
	n := vsgo.Size(3000)
	var sum, prime int64
	ch := make(chan int64)
	go generate(ch)
	for i := int64(0); i < n; i++ {
		prime = <-ch
		sum += prime
		out := make(chan int64)
		go filter(ch, out, prime)
		ch = out
	}
	fmt.Printf("result: sieve %d %d %d\n", n, prime, sum)
}
