// Command greeter is the Go half of the multi-process AppImage test: it
// sends "ping N" lines on stdout to a busybox sed started next to it by
// AppRun, reads the "pong N" answers on stdin, and reports on stderr.
package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	for i := 1; i <= 3; i++ {
		fmt.Printf("ping %d\n", i)
		if !in.Scan() {
			fmt.Fprintf(os.Stderr, "greeter: no answer to ping %d\n", i)
			os.Exit(1)
		}
		if want := fmt.Sprintf("pong %d", i); in.Text() != want {
			fmt.Fprintf(os.Stderr, "greeter: got %q, want %q\n", in.Text(), want)
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "greeter: 3 pongs from busybox in %s\n", os.Getenv("APPDIR"))
}
