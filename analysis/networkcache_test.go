package analysis_test

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"testing"

	"github.com/mineralmap/mineralmap/analysis"
)

// The M-network is cached between requests (network.go); a commit in between must show in the
// next answer, whether it adds to the graph or empties it.
func TestAnswersFollowEveryCommit(t *testing.T) {
	a, s := mustAnalyses(t)
	loadDoc(t, s, diamondDoc())
	req := analysis.ChokepointsRequest{Mineral: testMineral, Consumer: "TT"}
	first, err := a.Chokepoints(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.Chokepoints(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.SupplyT != 15 || !reflect.DeepEqual(first.Chokepoints, again.Chokepoints) {
		t.Fatalf("repeated request: supply %v then %v", first.SupplyT, again.SupplyT)
	}

	// A second document adds a direct route (the diamond stays): 7 t more, s still the only mine.
	more := newDoc().mine("s2", "TT").supply("s2", "TT", 7)
	b, err := json.Marshal(more)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }, nil); err != nil {
		t.Fatal(err)
	}
	grown, err := a.Chokepoints(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if grown.SupplyT != 22 {
		t.Fatalf("after adding 7 t: supply_t = %v, want 22", grown.SupplyT)
	}
	if risk := riskByID(grown)["s"].SupplyAtRisk; !near(risk, 15.0/22) {
		t.Fatalf("after adding a second mine: s risks %v, want %v", risk, 15.0/22)
	}
	paths, err := a.AlternativePaths(ctx, analysis.PathsRequest{Mineral: testMineral, To: "TT", K: 5})
	if err != nil {
		t.Fatal(err)
	}
	if got := pathIDs(paths.Paths); !reflect.DeepEqual(got, [][]string{{"s2", "TT"}, {"s", "l", "TT"}, {"s", "r", "TT"}}) {
		t.Fatalf("paths after the second load: %v", got)
	}

	if _, err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Chokepoints(ctx, req); err == nil {
		t.Fatal("after emptying the store the mineral is still known")
	}
}
