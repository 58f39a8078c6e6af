// Package storetest is the conformance suite every [session.Store] runs.
//
// A store package's test calls [Run]:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Suite{
//			New: func(t *testing.T) session.Store { return newTestStore(t) },
//		})
//	}
//
// Every subtest uses fresh random hashes and user ids, so New may return
// the same store each time and several runs may share one database or
// Redis. Expiry subtests sleep for about a second in total: stores judge
// expiry by their own clock (Redis by the server's).
package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampartgo/rampart/session"
)

// Suite describes the store under test.
type Suite struct {
	// New returns the store to test (it may return the same one for
	// every subtest).
	New func(t *testing.T) session.Store

	// Dump, if set, returns everything the store keeps, in any
	// serialization (say, every row as text); the suite checks that no
	// session token appears in it, raw or encoded.
	Dump func(t *testing.T) []byte
}

// Run runs the conformance suite.
func Run(t *testing.T, suite Suite) {
	t.Helper()
	if suite.New == nil {
		panic("rampart/session/storetest: Suite.New is nil")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s session.Store)
	}{
		{"FindMissing", testFindMissing},
		{"InsertFind", testInsertFind},
		{"InsertExisting", testInsertExisting},
		{"Update", testUpdate},
		{"UpdateMissing", testUpdateMissing},
		{"Delete", testDelete},
		{"Expiry", testExpiry},
		{"UserIndex", testUserIndex},
		{"ConcurrentWriters", testConcurrentWriters},
		{"DeleteWinsOverUpdate", testDeleteWins},
		{"CancelledContext", testCancelled},
		{"LargeValues", testLarge},
		{"ManagerRoundTrip", testManager},
		{"ManagerConcurrentRequests", testManagerConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, suite.New(t)) })
	}
	if suite.Dump != nil {
		t.Run("HashesOnly", func(t *testing.T) { testHashesOnly(t, suite.New(t), suite.Dump) })
	}
}

func randomHash() session.Hash {
	var h session.Hash
	rand.Read(h[:])
	return h
}

func randomID(prefix string) string {
	var b [8]byte
	rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// NewRecord returns a live record (expiring in an hour) with a fresh hash
// and handle, owned by userID, holding one value of each type.
func NewRecord(userID string) *session.Record {
	now := time.Now().Round(0)
	return &session.Record{
		Hash:      randomHash(),
		Handle:    randomID("h"),
		UserID:    userID,
		Version:   1,
		Created:   now.Add(-time.Minute),
		LastSeen:  now,
		Expires:   now.Add(time.Hour),
		IP:        netip.MustParseAddr("2001:db8::7"),
		UserAgent: "Mozilla/5.0 (storetest) ü",
		Binding:   bytes.Repeat([]byte{0xb1}, 32),
		Values: map[string]any{
			"s":       "hello, 世界",
			"empty":   "",
			"i":       int64(-1 << 62),
			"yes":     true,
			"no":      false,
			"t":       time.Date(2026, 11, 26, 18, 30, 1, 123456789, time.UTC),
			"zero":    time.Time{}.UTC(),
			"b":       []byte{0, 1, 2, 0xff},
			"nobytes": []byte{},
		},
	}
}

// equalRecords compares the fields a store must keep: times to the
// microsecond (PostgreSQL's precision is 1 µs), everything else exactly.
func equalRecords(t *testing.T, got, want *session.Record) {
	t.Helper()
	if got.Hash != want.Hash || got.Handle != want.Handle || got.UserID != want.UserID ||
		got.Version != want.Version || got.IP != want.IP || got.UserAgent != want.UserAgent ||
		!bytes.Equal(got.Binding, want.Binding) {
		t.Errorf("record = %+v\nwant     %+v", got, want)
	}
	for name, pair := range map[string][2]time.Time{
		"Created":  {got.Created, want.Created},
		"LastSeen": {got.LastSeen, want.LastSeen},
		"Expires":  {got.Expires, want.Expires},
	} {
		if d := pair[0].Sub(pair[1]); d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("%s = %v, want %v", name, pair[0], pair[1])
		}
	}
	equalValues(t, got.Values, want.Values)
}

func equalValues(t *testing.T, got, want map[string]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("values: %d keys %v, want %d keys %v", len(got), slices.Sorted(maps.Keys(got)), len(want), slices.Sorted(maps.Keys(want)))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("value %q missing", k)
			continue
		}
		if reflect.TypeOf(g) != reflect.TypeOf(w) {
			t.Errorf("value %q has type %T, want %T", k, g, w)
			continue
		}
		switch w := w.(type) {
		case time.Time:
			if !g.(time.Time).Equal(w) {
				t.Errorf("value %q = %v, want %v", k, g, w)
			}
		case []byte:
			if !bytes.Equal(g.([]byte), w) {
				t.Errorf("value %q = %x, want %x", k, g, w)
			}
		default:
			if g != w {
				t.Errorf("value %q = %#v, want %#v", k, g, w)
			}
		}
	}
}

func mustInsert(t *testing.T, s session.Store, rec *session.Record) {
	t.Helper()
	if err := s.Insert(context.Background(), rec); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	t.Cleanup(func() { _ = s.Delete(context.Background(), rec.Hash) })
}

func mustFind(t *testing.T, s session.Store, h session.Hash) *session.Record {
	t.Helper()
	rec, err := s.Find(context.Background(), h)
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	return rec
}

func wantNotFound(t *testing.T, s session.Store, h session.Hash) {
	t.Helper()
	rec, err := s.Find(context.Background(), h)
	if !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Find = %+v, %v; want ErrNotFound", rec, err)
	}
}

// next returns a copy of rec as its next version.
func next(rec *session.Record) *session.Record {
	n := *rec
	n.Version++
	n.Values = maps.Clone(rec.Values)
	return &n
}

func testFindMissing(t *testing.T, s session.Store) {
	wantNotFound(t, s, randomHash())
}

func testInsertFind(t *testing.T, s session.Store) {
	rec := NewRecord(randomID("u"))
	mustInsert(t, s, rec)
	equalRecords(t, mustFind(t, s, rec.Hash), rec)

	bare := &session.Record{Hash: randomHash(), Handle: randomID("h"), Version: 1,
		Created: time.Now(), LastSeen: time.Now(), Expires: time.Now().Add(time.Hour)}
	mustInsert(t, s, bare)
	got := mustFind(t, s, bare.Hash)
	if got.UserID != "" || len(got.Values) != 0 || len(got.Binding) != 0 || got.IP.IsValid() || got.UserAgent != "" {
		t.Errorf("bare record came back as %+v", got)
	}
}

func testInsertExisting(t *testing.T, s session.Store) {
	rec := NewRecord("")
	mustInsert(t, s, rec)
	again := NewRecord("")
	again.Hash = rec.Hash
	if err := s.Insert(context.Background(), again); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("second Insert under the same hash = %v, want ErrConflict", err)
	}
	equalRecords(t, mustFind(t, s, rec.Hash), rec)
}

func testUpdate(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("")
	mustInsert(t, s, rec)
	v2 := next(rec)
	v2.Values["s"] = "changed"
	delete(v2.Values, "b")
	v2.LastSeen = v2.LastSeen.Add(time.Minute)
	v2.IP = netip.MustParseAddr("192.0.2.1")
	v2.UserAgent = "curl/8"
	v2.Binding = bytes.Repeat([]byte{0x22}, 32)
	if err := s.Update(ctx, v2); err != nil {
		t.Fatalf("Update: %v", err)
	}
	equalRecords(t, mustFind(t, s, rec.Hash), v2)

	stale := next(rec) // version 2 again
	stale.Values["s"] = "stale"
	if err := s.Update(ctx, stale); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("Update of a stale version = %v, want ErrConflict", err)
	}
	skip := next(next(v2)) // version 4 over 2
	if err := s.Update(ctx, skip); !errors.Is(err, session.ErrConflict) {
		t.Fatalf("Update skipping a version = %v, want ErrConflict", err)
	}
	equalRecords(t, mustFind(t, s, rec.Hash), v2)
}

func testUpdateMissing(t *testing.T, s session.Store) {
	rec := NewRecord(randomID("u"))
	rec.Version = 2
	if err := s.Update(context.Background(), rec); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of a missing record = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, rec.Hash)
	if recs, err := s.ListByUser(context.Background(), rec.UserID); err != nil || len(recs) != 0 {
		t.Fatalf("ListByUser after a failed Update = %d records, %v; want none", len(recs), err)
	}
}

func testDelete(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord(randomID("u"))
	mustInsert(t, s, rec)
	if err := s.Delete(ctx, rec.Hash); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, rec.Hash)
	if err := s.Delete(ctx, rec.Hash); err != nil {
		t.Fatalf("Delete of a missing record: %v", err)
	}
	if recs, err := s.ListByUser(ctx, rec.UserID); err != nil || len(recs) != 0 {
		t.Fatalf("ListByUser after Delete = %d records, %v; want none", len(recs), err)
	}
	// A deleted hash can be used again (a new session, in theory).
	rec2 := NewRecord(rec.UserID)
	rec2.Hash = rec.Hash
	mustInsert(t, s, rec2)
	equalRecords(t, mustFind(t, s, rec.Hash), rec2)
}

func testExpiry(t *testing.T, s session.Store) {
	ctx := context.Background()
	user := randomID("u")
	past := NewRecord(user)
	past.Expires = time.Now().Add(-time.Second)
	// Inserting an already expired record may fail or succeed; it must
	// not be found either way.
	if err := s.Insert(ctx, past); err == nil {
		t.Cleanup(func() { _ = s.Delete(context.Background(), past.Hash) })
	}
	wantNotFound(t, s, past.Hash)

	soon := NewRecord(user)
	soon.Expires = time.Now().Add(600 * time.Millisecond)
	mustInsert(t, s, soon)
	later := NewRecord(user)
	mustInsert(t, s, later)
	mustFind(t, s, soon.Hash)
	time.Sleep(time.Until(soon.Expires) + 300*time.Millisecond)
	wantNotFound(t, s, soon.Hash)
	up := next(soon)
	up.Expires = time.Now().Add(time.Hour)
	if err := s.Update(ctx, up); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update of an expired record = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, soon.Hash)
	recs, err := s.ListByUser(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Hash != later.Hash {
		t.Fatalf("ListByUser after expiry = %d records, want only the live one", len(recs))
	}
	// A new record may take an expired one's place.
	again := NewRecord(user)
	again.Hash = soon.Hash
	mustInsert(t, s, again)
	mustFind(t, s, soon.Hash)
}

func hashesOf(recs []*session.Record) []string {
	var hs []string
	for _, r := range recs {
		hs = append(hs, hex.EncodeToString(r.Hash[:]))
	}
	slices.Sort(hs)
	return hs
}

func testUserIndex(t *testing.T, s session.Store) {
	ctx := context.Background()
	alice, bob := randomID("alice"), randomID("bob")
	a1, a2, a3 := NewRecord(alice), NewRecord(alice), NewRecord(alice)
	b1 := NewRecord(bob)
	anon := NewRecord("")
	for _, r := range []*session.Record{a1, a2, a3, b1, anon} {
		mustInsert(t, s, r)
	}
	list := func(user string) []*session.Record {
		t.Helper()
		recs, err := s.ListByUser(ctx, user)
		if err != nil {
			t.Fatalf("ListByUser: %v", err)
		}
		return recs
	}
	got := list(alice)
	if want := hashesOf([]*session.Record{a1, a2, a3}); !slices.Equal(hashesOf(got), want) {
		t.Fatalf("alice's sessions = %v, want %v", hashesOf(got), want)
	}
	for _, r := range got {
		if r.Hash == a2.Hash {
			equalRecords(t, r, a2)
		}
	}
	if got := list(bob); len(got) != 1 || got[0].Hash != b1.Hash {
		t.Fatalf("bob's sessions = %v", hashesOf(got))
	}
	if got := list(randomID("nobody")); len(got) != 0 {
		t.Fatalf("unknown user has %d sessions", len(got))
	}
	// A prefix of a user id is another user.
	if got := list(alice[:len(alice)-1]); len(got) != 0 {
		t.Fatalf("a prefix of alice's id lists %d sessions", len(got))
	}

	// Changing the owner moves the session between users.
	moved := next(a3)
	moved.UserID = bob
	if err := s.Update(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if got, want := hashesOf(list(alice)), hashesOf([]*session.Record{a1, a2}); !slices.Equal(got, want) {
		t.Fatalf("alice after moving a3 = %v, want %v", got, want)
	}
	if got, want := hashesOf(list(bob)), hashesOf([]*session.Record{b1, a3}); !slices.Equal(got, want) {
		t.Fatalf("bob after moving a3 = %v, want %v", got, want)
	}
	// Logging out of the user (owner "") removes it from the index.
	out := next(moved)
	out.UserID = ""
	if err := s.Update(ctx, out); err != nil {
		t.Fatal(err)
	}
	if got := list(bob); len(got) != 1 {
		t.Fatalf("bob after a3 lost its owner: %d sessions, want 1", len(got))
	}
	if err := s.Delete(ctx, a1.Hash); err != nil {
		t.Fatal(err)
	}
	if got, want := hashesOf(list(alice)), hashesOf([]*session.Record{a2}); !slices.Equal(got, want) {
		t.Fatalf("alice after deleting a1 = %v, want %v", got, want)
	}
}

// testConcurrentWriters has goroutines race to add their own key with
// compare-and-swap; every key must survive.
func testConcurrentWriters(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord("")
	rec.Values = map[string]any{}
	mustInsert(t, s, rec)
	const writers, each = 6, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("w%d-%d", w, i)
				for tries := 0; ; tries++ {
					if tries > 200 {
						errs <- fmt.Errorf("%s: gave up after %d conflicts", key, tries)
						return
					}
					cur, err := s.Find(ctx, rec.Hash)
					if err != nil {
						errs <- err
						return
					}
					n := next(cur)
					n.Values[key] = int64(i)
					err = s.Update(ctx, n)
					if err == nil {
						break
					}
					if !errors.Is(err, session.ErrConflict) {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := mustFind(t, s, rec.Hash)
	if len(got.Values) != writers*each || got.Version != 1+writers*each {
		t.Fatalf("after %d concurrent writes: %d values, version %d", writers*each, len(got.Values), got.Version)
	}
}

// testDeleteWins: an update after a delete must not bring the record
// back, for the in-flight request of a revoked session.
func testDeleteWins(t *testing.T, s session.Store) {
	ctx := context.Background()
	rec := NewRecord(randomID("u"))
	mustInsert(t, s, rec)
	if err := s.Delete(ctx, rec.Hash); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, next(rec)); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Update after Delete = %v, want ErrNotFound", err)
	}
	wantNotFound(t, s, rec.Hash)
	if recs, _ := s.ListByUser(ctx, rec.UserID); len(recs) != 0 {
		t.Fatal("deleted session is back in the user index")
	}
}

func testCancelled(t *testing.T, s session.Store) {
	rec := NewRecord(randomID("u"))
	mustInsert(t, s, rec)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context = %v, want context.Canceled", op, err)
		}
	}
	_, err := s.Find(ctx, rec.Hash)
	check("Find", err)
	other := NewRecord(rec.UserID)
	check("Insert", s.Insert(ctx, other))
	_ = s.Delete(context.Background(), other.Hash)
	check("Update", s.Update(ctx, next(rec)))
	check("Delete", s.Delete(ctx, rec.Hash))
	_, err = s.ListByUser(ctx, rec.UserID)
	check("ListByUser", err)
	// Nothing changed.
	equalRecords(t, mustFind(t, s, rec.Hash), rec)
	wantNotFound(t, s, other.Hash)

	dl, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := s.Find(dl, rec.Hash); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Find past the deadline = %v, want context.DeadlineExceeded", err)
	}
}

func testLarge(t *testing.T, s session.Store) {
	rec := NewRecord(randomID("u"))
	big := make([]byte, 64<<10)
	rand.Read(big)
	rec.Values["big"] = big
	rec.Values["text"] = strings.Repeat("x\x00é", 64<<10/4)
	for i := range 200 {
		rec.Values[fmt.Sprintf("k%03d", i)] = int64(i)
	}
	mustInsert(t, s, rec)
	equalRecords(t, mustFind(t, s, rec.Hash), rec)
}

// testManager drives a session.Manager over the store through HTTP.
func testManager(t *testing.T, s session.Store) {
	m := session.NewManager(s, session.Config{Logger: slog.New(slog.DiscardHandler)})
	user := randomID("u")
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		ss := m.Get(r)
		if err := ss.Renew(); err != nil {
			t.Error(err)
		}
		ss.SetUserID(user)
		ss.Put("n", 1)
	})
	mux.HandleFunc("/incr", func(w http.ResponseWriter, r *http.Request) {
		ss := m.Get(r)
		ss.Put("n", ss.GetInt64("n")+1)
		fmt.Fprint(w, ss.GetInt64("n"))
	})
	h := m.Handler(mux)
	do := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://example.com"+path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do("/login", "")
	sc := w.Result().Cookies()
	if len(sc) != 1 {
		t.Fatalf("login set %d cookies", len(sc))
	}
	cookie := sc[0].Name + "=" + sc[0].Value
	if got := do("/incr", cookie).Body.String(); got != "2" {
		t.Fatalf("incr = %q, want 2", got)
	}
	infos, err := m.ListForUser(context.Background(), user)
	if err != nil || len(infos) != 1 {
		t.Fatalf("ListForUser = %v, %v", infos, err)
	}
	if _, err := m.DestroyForUser(context.Background(), user, ""); err != nil {
		t.Fatal(err)
	}
	if got := do("/incr", cookie).Body.String(); got != "1" {
		t.Fatalf("incr after DestroyForUser = %q, want 1 (a new session)", got)
	}
}

// testManagerConcurrent runs requests of one session at once through a
// Manager, each putting its own key: the Manager's merge and the store's
// versioning together must keep every write.
func testManagerConcurrent(t *testing.T, s session.Store) {
	m := session.NewManager(s, session.Config{Logger: slog.New(slog.DiscardHandler)})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss := m.Get(r)
		if k := r.URL.Query().Get("k"); k != "" {
			ss.Put(k, true)
			return
		}
		n := 0
		for i := range 12 {
			if ss.GetBool(fmt.Sprint("k", i)) {
				n++
			}
		}
		fmt.Fprint(w, n)
	}))
	do := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://example.com"+path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do("/?k=first", "")
	c := w.Result().Cookies()
	if len(c) != 1 {
		t.Fatalf("got %d cookies", len(c))
	}
	cookie := c[0].Name + "=" + c[0].Value
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w := do(fmt.Sprint("/?k=k", i), cookie); w.Code != 200 {
				t.Errorf("request %d: status %d", i, w.Code)
			}
		}()
	}
	wg.Wait()
	if got := do("/", cookie).Body.String(); got != "12" {
		t.Fatalf("%s of 12 concurrent writes survived", got)
	}
}

// testHashesOnly checks that the store keeps no session token.
func testHashesOnly(t *testing.T, s session.Store, dump func(t *testing.T) []byte) {
	m := session.NewManager(s, session.Config{Logger: slog.New(slog.DiscardHandler)})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Get(r).Put("k", "v")
		m.Get(r).SetUserID(randomID("u"))
	}))
	var tokens []string
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/", nil))
		c := w.Result().Cookies()
		if len(c) != 1 {
			t.Fatalf("got %d cookies", len(c))
		}
		tokens = append(tokens, c[0].Value)
	}
	d := dump(t)
	if len(d) == 0 {
		t.Fatal("Dump returned nothing")
	}
	lower := bytes.ToLower(d)
	for _, tok := range tokens {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		for name, form := range map[string][]byte{
			"token":     []byte(tok),
			"raw":       raw,
			"hex":       []byte(hex.EncodeToString(raw)),
			"std64":     []byte(base64.StdEncoding.EncodeToString(raw)),
			"rawstd64":  []byte(base64.RawStdEncoding.EncodeToString(raw)),
			"hex-lower": bytes.ToLower([]byte(hex.EncodeToString(raw))),
		} {
			if bytes.Contains(d, form) || bytes.Contains(lower, bytes.ToLower(form)) && len(form) > 40 {
				t.Errorf("the store holds a session token (%s form)", name)
			}
		}
		// The hash must be there in some form, or the dump is not
		// looking at the sessions at all.
		if !bytes.Contains(d, sum[:]) && !bytes.Contains(lower, []byte(hex.EncodeToString(sum[:]))) &&
			!bytes.Contains(d, []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) {
			t.Errorf("the dump does not contain the session's hash in raw, hex or base64url form: is Dump reading the sessions?")
		}
	}
}
