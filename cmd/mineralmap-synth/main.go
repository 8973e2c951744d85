// Command mineralmap-synth writes a synthetic supply network as a load document (wiring only;
// the generator is fixtures/synth).
//
//	mineralmap-synth -edges 1000000 -seed 1 -minerals 10 -out world.json
//
// It prints what it wrote as JSON on standard error.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/mineralmap/mineralmap/fixtures/synth"
)

func main() {
	edges := flag.Int("edges", 10000, "target number of relationship entries (supplies, produces, refines, restricts, finances)")
	seed := flag.Uint64("seed", 1, "random seed; the same seed gives the same document")
	minerals := flag.Int("minerals", synth.DefaultMinerals, "number of minerals")
	out := flag.String("out", "-", "output file; - for standard output")
	flag.Parse()
	if err := run(synth.Config{Edges: *edges, Seed: *seed, Minerals: *minerals}, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mineralmap-synth:", err)
		os.Exit(1)
	}
}

func run(cfg synth.Config, out string) error {
	w := os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	st, err := synth.Write(bw, cfg)
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// A file is synced so a finished run means a complete document; pipes and devices
	// (standard output, /dev/null) cannot be.
	if fi, err := w.Stat(); err == nil && fi.Mode().IsRegular() {
		if err := w.Sync(); err != nil {
			return err
		}
	}
	return json.NewEncoder(os.Stderr).Encode(struct {
		synth.Stats
		Edges int `json:"edges"`
		Nodes int `json:"nodes"`
	}{st, st.Edges(), st.Nodes()})
}
