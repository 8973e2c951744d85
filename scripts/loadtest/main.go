// Command loadtest drives a running mineralmap API with mixed reads from many concurrent
// clients for a fixed time on loopback, then prints errors and latency percentiles. It stops by
// itself.
//
//	go run ./scripts/loadtest -url http://127.0.0.1:8080 -clients 200 -duration 60s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

// mix is the reads the clients cycle through, weighted by repetition.
var mix = []string{
	"/v1/countries?limit=50",
	"/v1/facilities?country=CN&limit=100",
	"/v1/nodes/lynas-malaysia",
	"/v1/minerals/rare-earths/concentration",
	"/v1/minerals/rare-earths/concentration?stage=refining",
	"/v1/paths?mineral=rare-earths&to=JP&avoid=CN",
	"/v1/paths?mineral=cobalt&to=KR&k=5",
	"/v1/chokepoints?mineral=rare-earths&consumer=JP",
	"/v1/chokepoints?mineral=lithium&consumer=US",
	"/v1/exposure?consumer=JP&supplier=CN&mineral=rare-earths",
	"/v1/exposure?consumer=US&supplier=CN",
}

type result struct {
	latency time.Duration
	status  int
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "API base URL (loopback)")
	clients := flag.Int("clients", 200, "concurrent clients")
	duration := flag.Duration("duration", 60*time.Second, "how long to run")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	transport := &http.Transport{MaxIdleConnsPerHost: *clients, MaxConnsPerHost: *clients}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}

	var mu sync.Mutex
	var results []result
	byStatus := map[int]int{}
	var wg sync.WaitGroup
	for i := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []result
			for n := i; ctx.Err() == nil; n++ {
				start := time.Now()
				status := 0
				resp, err := client.Get(*base + mix[n%len(mix)])
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				if ctx.Err() != nil && status == 0 {
					break // cut off by the end of the run, not an error
				}
				local = append(local, result{time.Since(start), status})
			}
			mu.Lock()
			results = append(results, local...)
			for _, r := range local {
				byStatus[r.status]++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()

	lat := make([]time.Duration, len(results))
	errors := 0
	for i, r := range results {
		lat[i] = r.latency
		if r.status != 200 {
			errors++
		}
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("clients %d, duration %s, requests %d (%.0f/s), errors %d, statuses %v\n",
		*clients, *duration, len(results), float64(len(results))/duration.Seconds(), errors, byStatus)
	fmt.Printf("latency p50 %s, p90 %s, p99 %s, max %s\n",
		pct(0.50).Round(time.Millisecond), pct(0.90).Round(time.Millisecond), pct(0.99).Round(time.Millisecond), pct(1).Round(time.Millisecond))
	if errors > 0 {
		os.Exit(1)
	}
}
