//go:build !linux

package runner

import (
	"fmt"
	"os"
)

// hold is for the tests of the supervisor, which is Linux's.
func hold(int) {
	fmt.Println("hold: only on Linux")
	os.Exit(1)
}
