package mineralmap

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// ValidID checks ids by hand; it must decide exactly as the contract's pattern does.
func TestValidIDAgreesWithThePattern(t *testing.T) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
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
		if ValidID(s) != pattern.MatchString(s) {
			t.Fatalf("ValidID(%q) = %v, the pattern says %v", s, ValidID(s), pattern.MatchString(s))
		}
	}
}
