package redisstore

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
)

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(&session.Record{
		Handle: "h", Created: time.Unix(1, 2), LastSeen: time.Unix(3, 4), Expires: time.Unix(5, 6),
		IP: netip.MustParseAddr("2001:db8::1"), UserAgent: "ua", Binding: []byte{1, 2},
		Values: map[string]any{"k": "v", "n": int64(3)},
	}))
	f.Add(encodeRecord(&session.Record{}))
	f.Add([]byte{1, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeRecord(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes (the IP in its
		// canonical text form).
		if again := encodeRecord(rec); !bytes.Equal(again, b) {
			if _, err := decodeRecord(again); err != nil {
				t.Fatalf("re-encoding %x gives undecodable %x", b, again)
			}
		}
	})
}
