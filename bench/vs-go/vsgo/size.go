// Package vsgo is what the Go twins in bench/vs-go share, as the C twins
// share vsgo.h: the work size from the command line.
package vsgo

import (
	"fmt"
	"os"
	"strconv"
)

// Size is the work size: the first argument, or def without one.
func Size(def int64) int64 {
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
