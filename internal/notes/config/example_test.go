package config_test

import (
	"fmt"
	"io"

	"github.com/rampartgo/rampart/internal/notes/config"
)

// Production mode over plain HTTP is refused, with every problem listed.
func ExampleParse() {
	_, err := config.Parse([]string{"-env", "production", "-store", "mongo"}, nil, io.Discard)
	fmt.Println(err)

	cfg, _ := config.Parse(nil, []string{"NOTES_ENV=dev"}, io.Discard)
	fmt.Println(cfg.Mode, cfg.Addr, cfg.Store, cfg.TrustedProxyStrings())
	// Output:
	// -store "mongo": want sqlite, postgres, redis or memory
	// production mode needs HTTPS: give -tls-cert and -tls-key, or -behind-proxy when a TLS-terminating proxy sits in front
	// dev 127.0.0.1:8080 sqlite [127.0.0.0/8 ::1/128]
}
