package graph

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// plainID must decide exactly as idPattern (ValidID) does.
func TestPlainIDAgreesWithThePattern(t *testing.T) {
	cases := []string{"", "a", "A", "0", ".", "_a", "-a", "a.b_c-d", "rare-earths", "CN", "a b", "é", "a\n",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "a/b", "a~b", "ab\x00"}
	r := rand.New(rand.NewPCG(6, 6))
	const alphabet = "aZ09._- \n/é\x00~"
	for range 20000 {
		var b strings.Builder
		for range r.IntN(6) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, s := range cases {
		if plainID(s) != ValidID(s) {
			t.Fatalf("plainID(%q) = %v, ValidID = %v", s, plainID(s), ValidID(s))
		}
	}
}
