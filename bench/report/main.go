// Command report turns the raw results of bench/run.sh into the tables of bench/RESULTS.md,
// replacing what lies between its "tables:start" and "tables:end" markers and keeping the rest
// (the notes written by hand).
//
//	report -results /tmp/mineralmap-bench/results -sizes "10000 100000 1000000" -md bench/RESULTS.md
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	startMarker = "<!-- tables:start (written by bench/run.sh; edit outside the markers) -->"
	endMarker   = "<!-- tables:end -->"
)

func main() {
	results := flag.String("results", "", "bench/run.sh's results directory")
	sizes := flag.String("sizes", "", "the sizes run, in order")
	md := flag.String("md", "bench/RESULTS.md", "the file to update")
	flag.Parse()
	var b strings.Builder
	machine(&b, filepath.Join(*results, "machine.json"))
	for _, size := range strings.Fields(*sizes) {
		table(&b, filepath.Join(*results, size), size)
	}
	old, _ := os.ReadFile(*md)
	text := string(old)
	i, j := strings.Index(text, startMarker), strings.Index(text, endMarker)
	body := startMarker + "\n" + b.String() + endMarker
	if i < 0 || j < i {
		text = "# mineralmap benchmarks\n\n" + body + "\n" + text
	} else {
		text = text[:i] + body + text[j+len(endMarker):]
	}
	if err := os.WriteFile(*md, []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

type obj map[string]any

func load(path string) obj {
	var o obj
	b, err := os.ReadFile(path)
	if err != nil {
		return obj{}
	}
	if json.Unmarshal(b, &o) != nil {
		return obj{}
	}
	return o
}

func (o obj) num(k string) float64 {
	switch v := o[k].(type) {
	case float64:
		return v
	case string:
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return 0
}

func (o obj) str(k string) string { s, _ := o[k].(string); return s }

func machine(b *strings.Builder, path string) {
	m := load(path)
	fmt.Fprintf(b, "Run of %s on commit `%s`%s.\n\n", m.str("started"), m.str("commit"), map[bool]string{true: " with uncommitted changes", false: ""}[m["dirty"] == true])
	fmt.Fprintf(b, "| machine | |\n|---|---|\n")
	fmt.Fprintf(b, "| CPU | %s, %.0f cores |\n", m.str("cpu"), m.num("cores"))
	fmt.Fprintf(b, "| RAM | %.1f GiB |\n", m.num("mem_kb")/(1<<20))
	fmt.Fprintf(b, "| load average (1, 5, 15 min) | %s at the start, %s at the end: the 2 cores are shared with other work |\n", m.str("load_start"), m.str("load_end"))
	fmt.Fprintf(b, "| Neo4j | %s Community, heap %s, page cache %s (scripts/neo4j.sh) |\n", m.str("neo4j"), m.str("heap"), m.str("pagecache"))
	fmt.Fprintf(b, "| Go, Python | %s, %s |\n\n", m.str("go"), m.str("python"))
}

func table(b *strings.Builder, dir, size string) {
	synth, pick, loadRes, naive := load(filepath.Join(dir, "synth.json")), load(filepath.Join(dir, "pick.json")), load(filepath.Join(dir, "load.json")), load(filepath.Join(dir, "naive.json"))
	rss, cold, nx := load(filepath.Join(dir, "serve-rss.json")), load(filepath.Join(dir, "cold.json")), load(filepath.Join(dir, "networkx.json"))
	n, _ := strconv.Atoi(size)
	rows := synth.num("nodes") + synth.num("edges")
	if size == "world" {
		fmt.Fprintf(b, "### The world layer, every year\n\n")
		fmt.Fprintf(b, "`mineralmap import world` of the cached world data (World Mining Data 2018–2024, BACI 1995–2024; `scripts/world.sh fetch`), with no curated layer: one document, one transaction.\n\n")
	} else {
		fmt.Fprintf(b, "### %s edges\n\n", human(n))
	}
	fmt.Fprintf(b, "Graph: %.0f nodes and %.0f relationships stored (document: %.0f rows, %.0f MB). The questions: %s to **%s** (its M-network: %.0f SUPPLIES edges), avoiding / supplier **%s**.\n\n",
		pick.num("nodes"), pick.num("relationships"), rows, synth.num("bytes")/1e6, pick.str("mineral"), pick.str("consumer"), pick.num("mineral_edges"), pick.str("supplier"))
	fmt.Fprintf(b, "| measure | value |\n|---|---|\n")
	loadRate := rows / loadRes.num("seconds")
	fmt.Fprintf(b, "| `mineralmap load` (validate, write, commit; whole process) | %.1f s, **%.0f rows/s**, peak RSS %.0f MiB |\n", loadRes.num("seconds"), loadRate, loadRes.num("max_rss_kb")/1024)
	naiveNote := fmt.Sprintf("all %.0f rows", naive.num("rows_written"))
	if naive["timed_out"] == true {
		naiveNote = fmt.Sprintf("%.0f of %.0f rows in the %.0f s time box; at that rate the document would take %.0f min (extrapolated)",
			naive.num("rows_written"), naive.num("rows_total"), naive.num("seconds"), naive.num("rows_total")/naive.num("rows_per_s")/60)
	}
	fmt.Fprintf(b, "| naive loader (same Cypher, one row per transaction) | **%.0f rows/s** (%s) |\n", naive.num("rows_per_s"), naiveNote)
	fmt.Fprintf(b, "| load ÷ naive | **%s** |\n", times(loadRate/naive.num("rows_per_s")))
	if bulk := load(filepath.Join(dir, "bulk.json")); bulk.num("import_s") > 0 {
		bp := load(filepath.Join(dir, "bulk-pick.json"))
		same := "the same node and relationship counts as the online load"
		if bp.num("nodes") != pick.num("nodes") || bp.num("relationships") != pick.num("relationships") {
			same = fmt.Sprintf("**not** the online load's counts: %.0f nodes, %.0f relationships", bp.num("nodes"), bp.num("relationships"))
		}
		total := bulk.num("csv_s") + bulk.num("import_s")
		fmt.Fprintf(b, "| offline bulk path, empty database: `mineralmap bulk-csv` + `neo4j-admin database import full` (JVM start included) | %.1f s + %.1f s = %.1f s, **%.0f rows/s** (the importer alone %.0f rows/s); %s |\n",
			bulk.num("csv_s"), bulk.num("import_s"), total, rows/total, rows/bulk.num("import_s"), same)
	}
	fmt.Fprintf(b, "| API resident memory, peak (VmHWM) over all the queries below | **%.0f MiB** (VmRSS at the end %.0f MiB) |\n\n", rss.num("VmHWM")/1024, rss.num("VmRSS")/1024)

	fmt.Fprintf(b, "| endpoint | clients | offered (req/s) | answered (req/s) | first request | p50 | p99 | max | errors |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, ep := range []string{"paths", "chokepoints", "exposure", "outlook", "demand", "group-chokepoints", "group-outlook"} {
		for _, c := range []string{"1", "50"} {
			path := filepath.Join(dir, "latency-"+ep+"-"+c+".json")
			if _, err := os.Stat(path); err != nil {
				continue // a run before the endpoint was benchmarked
			}
			l := load(path)
			name := map[string]string{"demand": "minerals/{id}/demand", "group-chokepoints": "chokepoints (group:ministerial-2026)",
				"group-outlook": "outlook (group:ministerial-2026)"}[ep]
			if name == "" {
				name = ep
			}
			fmt.Fprintf(b, "| /v1/%s | %s | %.1f | %.1f | %s | %s | **%s** | %s | %.0f |\n", name, c, l.num("rate_per_s"), l.num("achieved_per_s"),
				ms(l.num("first_ms")), ms(l.num("p50_ms")), ms(l.num("p99_ms")), ms(l.num("max_ms")), l.num("errors")+l.num("unfinished"))
		}
	}
	cp := load(filepath.Join(dir, "latency-chokepoints-1.json"))
	coldMS := cold.num("cold_s") * 1000
	agree := "**yes**"
	if nx["agree"] != true {
		agree = "**no**: " + nx.str("disagreement")
	}
	fmt.Fprintf(b, "\n| chokepoints of %s for %s | time | flows run |\n|---|---|---|\n", pick.str("mineral"), pick.str("consumer"))
	fmt.Fprintf(b, "| mineralmap, first request after start (ready %.1f s after the start, once every network is read in the background) | %s | |\n", cold.num("ready_s"), ms(coldMS))
	if c := load(filepath.Join(dir, "commit.json")); c.num("warm_s") > 0 {
		fmt.Fprintf(b, "| mineralmap, first request after a commit, once the background warm is done (%.1f s after the commit) | %s | |\n", c.num("warm_s"), ms(c.num("after_warm_s")*1000))
		fmt.Fprintf(b, "| mineralmap, a request sent at once after a commit (joins or starts the read) | %s | |\n", ms(c.num("at_once_s")*1000))
	}
	fmt.Fprintf(b, "| mineralmap, p50 with 1 client (network cached) | %s | |\n", ms(cp.num("p50_ms")))
	timedOut := ""
	if nx["timed_out"] == true {
		timedOut = " (time budget ran out)"
	}
	fmt.Fprintf(b, "| networkx %s (build %.2f s + flows %.2f s; JSON load not counted)%s | %s | %.0f |\n", nx.str("networkx"), nx.num("seconds_build"), nx.num("seconds_flows"), timedOut, ms(nx.num("seconds_total")*1000), nx.num("flows_run"))
	fmt.Fprintf(b, "| networkx ÷ mineralmap | %s (cold), %s (cached) | |\n", times(nx.num("seconds_total")*1000/coldMS), times(nx.num("seconds_total")*1000/cp.num("p50_ms")))
	fmt.Fprintf(b, "| same answer (supply, ranked chokepoints, risks within 1e-6) | %s | |\n\n", agree)
}

func ms(v float64) string {
	switch {
	case v < 0:
		return "–"
	case v >= 10000:
		return fmt.Sprintf("%.1f s", v/1000)
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func human(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// times formats a ratio: whole numbers from 10 up, one decimal below (0.3× is slower, not 0×).
func times(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.1f×", r)
}
