package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The value encoding is a version byte (1), a uvarint count, then per
// value, sorted by key: uvarint key length, key, a type tag and the
// payload. It keeps each value's Go type (int64 stays int64, time.Time
// stays time.Time), unlike JSON, and costs no reflection, unlike gob.
const (
	codecVersion = 1

	tagString = 's'
	tagInt64  = 'i'
	tagTrue   = 't'
	tagFalse  = 'f'
	tagTime   = 'T'
	tagBytes  = 'b'
)

// maxEncoded bounds what DecodeValues accepts, so a corrupt or hostile
// store entry cannot make it allocate without limit.
const maxEncoded = 64 << 20

var errCorrupt = errors.New("rampart/session: corrupt encoded values")

// EncodeValues encodes values (of the types a [Record] holds) for stores
// that keep bytes. It panics on any other type: [Session.Put] lets none
// through.
func EncodeValues(values map[string]any) []byte {
	return AppendValues(nil, values)
}

// AppendValues appends the encoding of values to b, as [EncodeValues].
func AppendValues(b []byte, values map[string]any) []byte {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, codecVersion)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		switch v := values[k].(type) {
		case string:
			b = append(b, tagString)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		case int64:
			b = append(b, tagInt64)
			b = binary.AppendVarint(b, v)
		case bool:
			if v {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		case time.Time:
			b = append(b, tagTime)
			b = binary.AppendVarint(b, v.Unix())
			b = binary.AppendUvarint(b, uint64(v.Nanosecond()))
		case []byte:
			b = append(b, tagBytes)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		default:
			panic(fmt.Sprintf("rampart/session: cannot encode value of type %T", v))
		}
	}
	return b
}

// DecodeValues decodes what [EncodeValues] produced. It returns an error
// for anything else (truncated, trailing or unknown data, duplicate or
// unsorted keys); it never panics.
func DecodeValues(b []byte) (map[string]any, error) {
	if len(b) > maxEncoded || len(b) < 2 || b[0] != codecVersion {
		return nil, errCorrupt
	}
	b = b[1:]
	n, b, ok := uvarint(b)
	// Each value takes at least 3 bytes (key length, tag, payload or
	// empty key); refuse counts the input cannot hold.
	if !ok || n > uint64(len(b))/2 {
		return nil, errCorrupt
	}
	values := make(map[string]any, n)
	prev := ""
	for i := uint64(0); i < n; i++ {
		var k string
		k, b, ok = str(b)
		if !ok || (i > 0 && k <= prev) || len(b) == 0 {
			return nil, errCorrupt
		}
		prev = k
		tag := b[0]
		b = b[1:]
		switch tag {
		case tagString:
			var s string
			if s, b, ok = str(b); !ok {
				return nil, errCorrupt
			}
			values[k] = s
		case tagInt64:
			var v int64
			if v, b, ok = varint(b); !ok {
				return nil, errCorrupt
			}
			values[k] = v
		case tagTrue:
			values[k] = true
		case tagFalse:
			values[k] = false
		case tagTime:
			var sec int64
			if sec, b, ok = varint(b); !ok {
				return nil, errCorrupt
			}
			var ns uint64
			if ns, b, ok = uvarint(b); !ok || ns >= 1e9 {
				return nil, errCorrupt
			}
			values[k] = time.Unix(sec, int64(ns)).UTC()
		case tagBytes:
			var s string
			if s, b, ok = str(b); !ok {
				return nil, errCorrupt
			}
			values[k] = []byte(s)
		default:
			return nil, errCorrupt
		}
	}
	if len(b) != 0 {
		return nil, errCorrupt
	}
	return values, nil
}

// uvarint and varint decode the shortest encoding only (an overlong
// one ends in a zero byte), so every value has one spelling.
func uvarint(b []byte) (uint64, []byte, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 || (n > 1 && b[n-1] == 0) {
		return 0, b, false
	}
	return v, b[n:], true
}

func varint(b []byte) (int64, []byte, bool) {
	v, n := binary.Varint(b)
	if n <= 0 || (n > 1 && b[n-1] == 0) {
		return 0, b, false
	}
	return v, b[n:], true
}

func str(b []byte) (string, []byte, bool) {
	n, b, ok := uvarint(b)
	if !ok || n > uint64(len(b)) || n > math.MaxInt {
		return "", b, false
	}
	return string(b[:n]), b[n:], true
}
