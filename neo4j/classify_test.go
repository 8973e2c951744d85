package neo4j_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mineralmap/mineralmap"
	"github.com/mineralmap/mineralmap/neo4j"
)

// Driver errors reach the API as the kinds the contract answers with, without a database: a
// port nobody listens on, and a server that answers Bolt's handshake with HTTP (NEO4J_URI
// pointing at the Browser's port) are both unavailable (503), never internal (500).
func TestDriverErrorsAreUnavailableNotInternal(t *testing.T) {
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := refused.Addr().String()
	refused.Close()

	httpServer, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer httpServer.Close()
	go func() {
		for {
			c, err := httpServer.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 64)
				_, _ = c.Read(buf)
				_, _ = c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
			}()
		}
	}()

	for _, tc := range []struct{ name, addr, says string }{
		{"nobody listens", closedAddr, "not reachable"},
		{"the HTTP port", httpServer.Addr().String(), "refused the connection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := neo4j.Open(neo4j.Config{URI: "bolt://" + tc.addr, ReadTimeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(context.Background())
			_, _, labelsErr := s.Labels(context.Background(), []string{"CN"})
			_, deleteErr := s.DeleteAll(context.Background())
			for name, err := range map[string]error{"ping": s.Ping(context.Background()), "read": labelsErr, "write": deleteErr} {
				if mineralmap.KindOf(err) != mineralmap.KindUnavailable || !strings.Contains(err.Error(), tc.says) {
					t.Errorf("%s: %v (kind %v), want unavailable saying %q", name, err, mineralmap.KindOf(err), tc.says)
				}
			}
		})
	}
}
