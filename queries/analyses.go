// Package queries holds the analyses: each one a .cypher file beside the Go that runs it and
// shapes its answer.
package queries

import "github.com/mineralmap/mineralmap/graph"

// Analyses answers the analysis questions of the contract (section 4) over a store.
type Analyses struct {
	store       *graph.Store
	browserBase string
}

// New returns the analyses over store; browserURL is Neo4j Browser's address for browser_url.
func New(store *graph.Store, browserURL string) *Analyses {
	if browserURL == "" {
		browserURL = "http://127.0.0.1:7474/browser/"
	}
	return &Analyses{store: store, browserBase: browserURL}
}
