package event_test

import (
	"context"
	"log/slog"
	"os"

	"github.com/rampartgo/rampart/event"
)

func Example() {
	// A handler without timestamps keeps the output stable for this example.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	event.Emit(context.Background(), logger, event.LoginFail, slog.String("ip", "192.0.2.7"))
	// Output:
	// level=WARN msg="security event" event=authn_login_fail ip=192.0.2.7
}
