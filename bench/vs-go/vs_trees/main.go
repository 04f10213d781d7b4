// vs_trees - the Go twin of main.c: the benchmarks game's binary-trees at
// depth N: a stretch tree of depth N+1, a long-lived tree of depth N, and for
// each depth d = 4, 6, ..., N, 2^(N-d+4) trees of depth d built and walked,
// one goroutine per depth.
package main

import (
	"fmt"
	"gort/bench/vsgo/vsgo"
	"sync"
)

const mindepth = 4

type node struct {
	left, right *node
}

func bottomUp(depth int) *node {
	n := &node{}
	if depth > 0 {
		n.left = bottomUp(depth - 1)
		n.right = bottomUp(depth - 1)
	}
	return n
}

func (n *node) check() int64 {
	if n.left == nil {
		return 1
	}
	return 1 + n.left.check() + n.right.check()
}

func main() {
	maxdepth := int(vsgo.Size(16))
	if maxdepth < mindepth+2 {
		maxdepth = mindepth + 2
	}
	stretch := bottomUp(maxdepth + 1).check()
	longlived := bottomUp(maxdepth)
	checks := make([]int64, (maxdepth-mindepth)/2+1)
	var wg sync.WaitGroup
	for i := range checks {
		wg.Add(1)
		go func(i int) {
			depth := mindepth + 2*i
			iters := int64(1) << (maxdepth - depth + mindepth)
			for k := int64(0); k < iters; k++ {
				checks[i] += bottomUp(depth).check()
			}
			wg.Done()
		}(i)
	}
	wg.Wait()
	var total int64
	for _, c := range checks {
		total += c
	}
	fmt.Printf("result: trees %d %d %d %d\n", maxdepth, stretch, total, longlived.check())
}
