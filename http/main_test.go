package http_test

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain keeps request logs out of test output; warnings and errors still show.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	os.Exit(m.Run())
}
