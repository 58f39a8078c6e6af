package secrets

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
)

// ErrInsecurePermissions is wrapped by the error returned, in strict mode,
// for a secret or key file that group or others may read or write.
var ErrInsecurePermissions = errors.New("secrets: file is accessible by group or others")

// maxSecretFile bounds what a provider reads from one secret file, so that
// NAME_FILE=/dev/zero cannot exhaust memory.
const maxSecretFile = 1 << 20

// permChecker warns once per path about loose permissions, or fails in
// strict mode.
type permChecker struct {
	warned sync.Map // path -> struct{}
}

// check inspects the permissions of an open file. On Windows, Unix mode
// bits do not describe access, so nothing is checked there.
func (pc *permChecker) check(path string, info fs.FileInfo, strict bool, logger *slog.Logger) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	perm := info.Mode().Perm()
	if perm&0o077 == 0 {
		return nil
	}
	if strict {
		return fmt.Errorf("%w: %s has mode %04o; run chmod 600 %s", ErrInsecurePermissions, path, perm, path)
	}
	if _, dup := pc.warned.LoadOrStore(path, struct{}{}); dup {
		return nil
	}
	if logger == nil {
		logger = slog.Default()
	}
	logger.Warn("secrets: file is accessible by group or others; run chmod 600 on it",
		slog.String("path", path), slog.String("mode", fmt.Sprintf("%04o", perm)))
	return nil
}

// readSecretFile reads a file holding one secret value, checks its
// permissions and trims one trailing newline (LF or CRLF), which editors
// and `echo` add.
func (pc *permChecker) readSecretFile(path string, strict bool, logger *slog.Logger) (string, error) {
	// Stat before opening: opening a FIFO would block until a writer
	// appears. Stat again after: the file may have been swapped between.
	if info, err := os.Stat(path); err != nil {
		return "", err // *fs.PathError: path and reason, no content
	} else if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secrets: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("secrets: %s is not a regular file", path)
	}
	if err := pc.check(path, info, strict, logger); err != nil {
		return "", err
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("secrets: reading %s: %w", path, err)
	}
	if len(b) > maxSecretFile {
		return "", fmt.Errorf("secrets: %s is larger than %d bytes", path, maxSecretFile)
	}
	s := string(b)
	if t, ok := strings.CutSuffix(s, "\n"); ok {
		s, _ = strings.CutSuffix(t, "\r")
	}
	return s, nil
}
