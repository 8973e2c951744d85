// Command loadgen is an open-model HTTP load generator for make bench: requests leave at a fixed
// rate whatever the answers' latency, and each latency is measured from the moment its request
// was due, so a slow answer that delays the next request shows up in the figures (no
// coordinated omission). At most -clients requests are in flight; due requests wait for a free
// client. Loopback only: the target must be 127.0.0.1 or localhost.
//
//	loadgen -url 'http://127.0.0.1:38080/v1/paths?…' -clients 50 -rate auto -duration 20s
//
// With -rate auto it first measures the throughput of -clients closed-loop clients for
// -calibrate, then runs at -load (default 0.5) of it. It prints one JSON object.
//
// With -mix fixtures, -url is the API's base and the requests cycle through reads an analyst
// makes of the fixtures (paths, chokepoints, exposure, concentration, lists, nodes):
//
//	go run ./bench/loadgen -url http://127.0.0.1:8080 -mix fixtures -clients 200 -duration 60s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fixtureMix is the reads -mix fixtures cycles through, weighted by repetition.
var fixtureMix = []string{
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

// targets are the URLs requests cycle through.
type targets struct {
	urls []string
	n    atomic.Int64
}

func (t *targets) next() string { return t.urls[(t.n.Add(1)-1)%int64(len(t.urls))] }

type result struct {
	URL         string  `json:"url"`
	Clients     int     `json:"clients"`
	Rate        float64 `json:"rate_per_s"`       // offered
	Achieved    float64 `json:"achieved_per_s"`   // answered per second
	Calibrated  float64 `json:"calibrated_per_s"` // closed-loop throughput, with -rate auto
	DurationS   float64 `json:"duration_s"`
	Sent        int     `json:"sent"`
	OK          int     `json:"ok"`
	Errors      int     `json:"errors"`
	Unfinished  int     `json:"unfinished"`
	FirstMS     float64 `json:"first_ms"` // the very first request, alone
	P50MS       float64 `json:"p50_ms"`
	P90MS       float64 `json:"p90_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	ServiceP50  float64 `json:"service_p50_ms"` // from send to answer, without the wait for a client
	ErrorSample string  `json:"error_sample,omitempty"`
}

func main() {
	target := flag.String("url", "", "URL to GET (loopback only)")
	clients := flag.Int("clients", 1, "most requests in flight")
	rateFlag := flag.String("rate", "auto", "requests per second, or auto")
	load := flag.Float64("load", 0.5, "with -rate auto: the share of the calibrated throughput to offer")
	maxRate := flag.Float64("max-rate", 400, "with -rate auto: the most requests per second to offer")
	duration := flag.Duration("duration", 20*time.Second, "how long requests are sent")
	calibrate := flag.Duration("calibrate", 4*time.Second, "with -rate auto: how long to measure the closed-loop throughput")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request timeout; also how long to wait for the last answers")
	mix := flag.String("mix", "", "fixtures: -url is the API base, and requests cycle through reads of the fixtures")
	flag.Parse()
	if err := checkLoopback(*target); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	t := &targets{urls: []string{*target}}
	switch *mix {
	case "":
	case "fixtures":
		t.urls = nil
		for _, p := range fixtureMix {
			t.urls = append(t.urls, strings.TrimRight(*target, "/")+p)
		}
	default:
		fmt.Fprintln(os.Stderr, "loadgen: -mix takes only fixtures")
		os.Exit(2)
	}
	client := &http.Client{Timeout: *timeout, Transport: &http.Transport{
		MaxIdleConns: *clients + 4, MaxIdleConnsPerHost: *clients + 4, IdleConnTimeout: time.Minute,
		DialContext: (&net.Dialer{Timeout: 3 * time.Second}).DialContext,
	}}
	res := result{URL: *target, Clients: *clients}

	// The first request alone: what the first analyst after a start or a load sees.
	t0 := time.Now()
	if err := get(client, t.next()); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: first request:", err)
		os.Exit(1)
	}
	res.FirstMS = ms(time.Since(t0))

	rate, err := strconv.ParseFloat(*rateFlag, 64)
	if *rateFlag == "auto" {
		res.Calibrated = closedLoop(client, t, *clients, *calibrate)
		rate = math.Min(*maxRate, *load*res.Calibrated)
	} else if err != nil || rate <= 0 {
		fmt.Fprintln(os.Stderr, "loadgen: -rate must be a positive number or auto")
		os.Exit(2)
	}
	res.Rate = rate
	openLoop(client, t, *clients, rate, *duration, *timeout, &res)
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("need an http:// URL, got %q", raw)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("loopback targets only, got %s", u.Hostname())
}

func get(c *http.Client, target string) error {
	resp, err := c.Get(target)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %.200s", resp.Status, body)
	}
	return nil
}

// closedLoop runs clients back-to-back for d and returns answers per second.
func closedLoop(c *http.Client, t *targets, clients int, d time.Duration) float64 {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	n := 0
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				if get(c, t.next()) == nil {
					mu.Lock()
					n++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// openLoop sends requests due every 1/rate for d, through at most clients at once.
func openLoop(c *http.Client, t *targets, clients int, rate float64, d, grace time.Duration, res *result) {
	type sample struct {
		latency, service time.Duration
		err              error
	}
	interval := time.Duration(float64(time.Second) / rate)
	total := int(d / interval)
	due := make(chan time.Time, total+1)
	samples := make(chan sample, total+1)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for at := range due {
				sent := time.Now()
				err := get(c, t.next())
				done := time.Now()
				samples <- sample{latency: done.Sub(at), service: done.Sub(sent), err: err}
			}
		})
	}
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		due <- at
	}
	close(due)
	res.Sent = total
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(grace):
	}
	elapsed := time.Since(start)
	var lat, svc []float64
	for len(samples) > 0 {
		s := <-samples
		if s.err != nil {
			res.Errors++
			if res.ErrorSample == "" {
				res.ErrorSample = s.err.Error()
			}
			continue
		}
		res.OK++
		lat = append(lat, ms(s.latency))
		svc = append(svc, ms(s.service))
	}
	res.Unfinished = total - res.OK - res.Errors
	res.DurationS = elapsed.Seconds()
	res.Achieved = float64(res.OK) / elapsed.Seconds()
	slices.Sort(lat)
	slices.Sort(svc)
	res.P50MS, res.P90MS, res.P99MS = pct(lat, 50), pct(lat, 90), pct(lat, 99)
	res.ServiceP50 = pct(svc, 50)
	if len(lat) > 0 {
		res.MaxMS = lat[len(lat)-1]
	}
}

// pct is the nearest-rank percentile of sorted xs (-1 when empty: JSON has no NaN).
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return -1 // nothing answered
	}
	i := int(math.Ceil(p/100*float64(len(xs)))) - 1
	return xs[max(i, 0)]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())/10) / 100 }
