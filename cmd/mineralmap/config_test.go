package main

import (
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A bad value fails the start with a message naming the variable; unset and empty take defaults.
func TestConfigRefusesBadValuesByName(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"MINERALMAP_BODY_LIMIT", "lots"},
		{"MINERALMAP_BODY_LIMIT", "-1"},
		{"MINERALMAP_MAX_CONCURRENT", "four"},
		{"MINERALMAP_MAX_CONCURRENT", "-2"},
		{"MINERALMAP_READ_TIMEOUT", "5"},
		{"MINERALMAP_HTTP_WRITE_TIMEOUT", "0s"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			_, err := loadConfig()
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("%s=%q: %v, want an error naming %s", tc.key, tc.value, err, tc.key)
			}
		})
	}
	t.Setenv("MINERALMAP_BODY_LIMIT", "")
	t.Setenv("MINERALMAP_ADDR", "127.0.0.1:9999")
	cfg, err := loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BodyLimit != 16<<20 || cfg.ReadTimeout != 5*time.Second || cfg.HTTPWriteTimeout != 15*time.Minute || cfg.PublicURL != "http://127.0.0.1:9999" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

// Every variable of the configuration is in the README's table, and the usage names healthcheck.
func TestEveryVariableIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeOf(config{})
	for i := range typ.NumField() {
		name := typ.Field(i).Tag.Get("env")
		if name == "" {
			t.Errorf("field %s has no env tag", typ.Field(i).Name)
			continue
		}
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("%s is not in the README's configuration table", name)
		}
	}
	if !strings.Contains(usage, "healthcheck") {
		t.Error("the usage text does not name healthcheck")
	}
}
