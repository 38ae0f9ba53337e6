// Command static stands in for composer in the bundle tests: a static
// executable that a bundle is appended to.
package main

import "fmt"

func main() { fmt.Println("static") }
