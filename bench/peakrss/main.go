// Command peakrss runs a command and writes, as JSON to -o, how long it ran and its peak
// resident memory (the kernel's maxrss, which is /proc/<pid>/status VmHWM at exit).
//
//	peakrss -o load.json -- bin/mineralmap load doc.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "where to write the JSON")
	flag.Parse()
	if flag.NArg() == 0 || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: peakrss -o out.json -- command args…")
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	secs := time.Since(start).Seconds()
	if cmd.ProcessState == nil { // it did not start
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(1)
	}
	var maxRSS int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss // KiB on Linux
	}
	b, _ := json.Marshal(map[string]any{"seconds": secs, "max_rss_kb": maxRSS, "exit": cmd.ProcessState.ExitCode()})
	if werr := os.WriteFile(*out, b, 0o644); werr != nil {
		fmt.Fprintln(os.Stderr, "peakrss:", werr)
		os.Exit(1)
	}
	if err != nil {
		os.Exit(cmd.ProcessState.ExitCode())
	}
}
