package session

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestMemoryStoreHoldsHashesOnly is storetest's HashesOnly check for the
// memory store, which has no dump to give the suite.
func TestMemoryStoreHoldsHashesOnly(t *testing.T) {
	store := NewMemoryStore()
	m := NewManager(store, Config{Logger: slog.New(slog.DiscardHandler)})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Put("k", "v")
		m.Get(r).SetUserID("alice")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/", nil))
	c := w.Result().Cookies()[0]
	tok, ok := parseToken(c.Value)
	if !ok {
		t.Fatalf("cookie %q is not a token", c.Value)
	}
	var dump bytes.Buffer
	for k, rec := range store.byHash {
		if bytes.Equal(k[:], tok[:]) {
			t.Fatal("the store is keyed by the token")
		}
		if k != tok.hash() {
			t.Fatal("the store is not keyed by the token's hash")
		}
		fmt.Fprintf(&dump, "%#v %#v", k, *rec)
	}
	if strings.Contains(dump.String(), c.Value) || bytes.Contains(dump.Bytes(), tok[:]) ||
		strings.Contains(dump.String(), fmt.Sprintf("%#v", [32]byte(tok))) {
		t.Fatal("the store holds the token")
	}
	if rec := store.byHash[tok.hash()]; strings.Contains(rec.Handle, c.Value[:8]) {
		t.Fatal("the handle shares the token's characters")
	}
}
