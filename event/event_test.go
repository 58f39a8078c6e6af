package event

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"testing"
)

func TestEmit(t *testing.T) {
	tests := []struct {
		name  string
		event string
		level string
	}{
		{"failure is a warning", LoginFail, "WARN"},
		{"attack is a warning", MaliciousCSRF, "WARN"},
		{"success is info", LoginSuccess, "INFO"},
		{"session is info", SessionCreated, "INFO"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := slog.New(slog.NewJSONHandler(&buf, nil))
			Emit(context.Background(), l, tc.event, slog.String("user", "u1"))
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("not one JSON record: %q", buf.String())
			}
			if rec["event"] != tc.event || rec["level"] != tc.level || rec["msg"] != Message || rec["user"] != "u1" {
				t.Fatalf("record = %v", rec)
			}
		})
	}
}

func TestEmitRespectsLevel(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	Emit(context.Background(), l, LoginSuccess)
	if buf.Len() != 0 {
		t.Fatalf("info event logged at warn level: %q", buf.String())
	}
	Emit(context.Background(), l, LoginLock)
	if buf.Len() == 0 {
		t.Fatal("warn event not logged")
	}
}
