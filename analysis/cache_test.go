package analysis_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/analysis"
	"github.com/mineralmap/mineralmap/mock"
	"github.com/mineralmap/mineralmap/supply"
)

// slowStore holds one mine → consumer network whose read waits for release.
func slowStore(release <-chan struct{}, reads *atomic.Int64) *mock.Store {
	return &mock.Store{
		LabelsFn: func(_ context.Context, ids []string) (map[string]string, mineralmap.Version, error) {
			labels := map[string]string{"ore": mineralmap.LabelMineral, "TT": mineralmap.LabelCountry}
			out := map[string]string{}
			for _, id := range ids {
				if l, ok := labels[id]; ok {
					out[id] = l
				}
			}
			return out, "v1", nil
		},
		NetworkFn: func(ctx context.Context, _ mineralmap.Version, mineral string) (supply.Stored, error) {
			reads.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
				return supply.Stored{}, ctx.Err()
			}
			return supply.Stored{Mineral: mineral,
				Nodes:     []supply.Node{{ID: "s", Country: "AA"}, {ID: "TT", Country: "TT", IsCountry: true}},
				Edges:     []supply.Edge{{From: 0, To: 1, Capacity: 7}},
				Producers: []int32{0}}, nil
		},
		CountryNamesFn: func(context.Context, []string) (map[string]string, error) { return map[string]string{}, nil },
		DemandsFn:      func(context.Context, string) (analysis.Demands, error) { return analysis.Demands{}, nil },
	}
}

// A request that misses the cache gives up at its own deadline (503 timeout), while the shared
// read of the network goes on and serves the next request: one read for both.
func TestARequestGivesUpAtItsDeadlineWhileTheSharedReadGoesOn(t *testing.T) {
	release := make(chan struct{})
	var reads atomic.Int64
	a := analysis.New(slowStore(release, &reads), analysis.Options{})
	req := analysis.ChokepointsRequest{Mineral: "ore", Consumer: "TT"}

	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := a.Chokepoints(short, req); mineralmap.KindOf(err) != mineralmap.KindTimeout {
		t.Fatalf("a request past its deadline: %v, want a timeout", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the request waited %v for the read instead of its own 50 ms", took)
	}

	done := make(chan analysis.ChokepointsAnswer)
	go func() {
		ans, err := a.Chokepoints(context.Background(), req)
		if err != nil {
			t.Error(err)
		}
		done <- ans
	}()
	time.Sleep(20 * time.Millisecond)
	close(release)
	ans := <-done
	if ans.SupplyT != 7 || len(ans.Chokepoints) != 2 {
		t.Fatalf("after the read: supply %v, chokepoints %+v; want 7 t through s and AA", ans.SupplyT, ans.Chokepoints)
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("the network was read %d times, want once for both requests", n)
	}
}

// A network that cannot be built (a store handing over an edge to a node it did not list) is an
// internal error of the requests waiting for it, not a crash of the process; the next request
// reads again.
func TestABrokenNetworkIsAnErrorNotACrash(t *testing.T) {
	release := make(chan struct{})
	close(release)
	var reads atomic.Int64
	store := slowStore(release, &reads)
	good := store.NetworkFn
	store.NetworkFn = func(ctx context.Context, v mineralmap.Version, mineral string) (supply.Stored, error) {
		s, err := good(ctx, v, mineral)
		s.Edges = append(s.Edges, supply.Edge{From: 0, To: 7, Capacity: 1}) // node 7 does not exist
		return s, err
	}
	a := analysis.New(store, analysis.Options{})
	req := analysis.ChokepointsRequest{Mineral: "ore", Consumer: "TT"}
	for range 2 {
		if _, err := a.Chokepoints(context.Background(), req); mineralmap.KindOf(err) != mineralmap.KindInternal {
			t.Fatalf("a broken network: %v, want an internal error", err)
		}
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("read %d times, want 2: a failed read is not cached", n)
	}
}
