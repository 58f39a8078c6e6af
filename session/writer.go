package session

import (
	"bufio"
	"io"
	"net"
	"net/http"
)

// writer saves the session before the first byte of the response leaves:
// on WriteHeader, Write, Flush or Hijack, whichever comes first. It
// implements Unwrap so that http.ResponseController reaches the
// underlying writer's other abilities.
type writer struct {
	http.ResponseWriter
	s      *Session
	r      *http.Request
	done   bool
	failed bool
}

// commit saves the session once. If saving fails, the ErrorHandler
// answers instead and commit reports false: the handler's response is
// discarded rather than sent with unsaved (say, logged-out) state.
func (w *writer) commit() bool {
	if w.done {
		return !w.failed
	}
	w.done = true
	if err := w.s.commit(w.ResponseWriter); err != nil {
		w.failed = true
		// Nothing the handler meant to send goes out with the error: not
		// its Location, not a remember-me cookie for a login that failed.
		h := w.ResponseWriter.Header()
		clear(h)
		h.Set("Vary", "Cookie")
		w.s.m.errHandler(w.ResponseWriter, w.r, err)
		return false
	}
	return true
}

// finish runs after the handler returned: it saves the session if
// nothing was written, or saves changes made after the response started.
func (w *writer) finish() {
	if !w.done {
		w.commit()
		return
	}
	if !w.failed {
		w.s.finish()
	}
}

func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational responses (103 Early Hints) precede the real one.
		if !w.done {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.commit() {
		return 0, errCommitFailed
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps the underlying writer's sendfile path for io.Copy.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	if !w.commit() {
		return 0, errCommitFailed
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides a writer's ReadFrom, so io.Copy does not loop back.
type writerOnly struct{ io.Writer }

// FlushError is what http.ResponseController.Flush calls.
func (w *writer) FlushError() error {
	if !w.commit() {
		return errCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *writer) Flush() { _ = w.FlushError() }

// Hijack saves the session and hijacks the connection. The cookie cannot
// be sent after a hijack: a handler that hijacks should not create or
// renew sessions.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, errCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the underlying ResponseWriter.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }
