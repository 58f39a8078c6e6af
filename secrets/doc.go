// Package secrets is where an application's secret values come from, and
// the type that keeps them from leaking once they are loaded.
//
// The seed practice is "never hard-code secrets; keep them in the
// environment or a secrets manager" — and then `app.secret_key =
// 'your_secret_key'`. This package makes the right thing the short thing:
//
//	p := secrets.Chain(secrets.Env(""), secrets.Dir("/run/secrets"), file)
//	if err := secrets.Require(ctx, p, secrets.Requirement{Name: "SECRET_KEY"}); err != nil {
//		log.Fatal(err) // one line per missing, weak or placeholder secret
//	}
//	key, err := secrets.Get(ctx, p, "SECRET_KEY")
//
// # The Secret type
//
// A [Secret] prints as [Redacted] through every path Go has for turning a
// value into text: fmt with any verb (%v %+v %#v %s %q %x %d …, also inside
// structs, pointers, slices and maps), log/slog text and JSON handlers,
// encoding/json (as a value and as a map key), encoding/xml and
// encoding.TextMarshaler. [Secret.Reveal] is the only way to the value,
// so a reviewer can grep for every place a value escapes. [Secret.Equal]
// compares in constant time. Error messages of this package name secrets
// and providers, never values.
//
// # Providers
//
// A [Provider] looks a secret up by name and says what it is in messages
// (String). Its Lookup returns an error wrapping [ErrNotFound] when the value
// is absent; any other error is a failure that must not be mistaken for
// absence. Names are letters, digits and underscores ([ValidName]), which
// makes them valid environment variable names and safe file names.
//
//   - [Env]: environment variables, with an optional prefix, and the
//     NAME_FILE convention of Docker images (the variable names a file
//     holding the value).
//   - [Dir]: one file per secret in a directory such as /run/secrets
//     (Docker secrets, Kubernetes Secret volumes).
//   - [File]: an encrypted secrets file that can be committed to the
//     repository, like Rails credentials or SOPS (see below).
//   - [Chain]: asks providers in order; the first value found wins, and a
//     failing provider stops the chain (fail closed).
//
// [Get] returns a value or an error; [Lookup] reports absence as a boolean.
//
// Files read for secrets (NAME_FILE targets, secrets directories, the
// master key) that group or others can access produce a warning through
// log/slog, once per file; with the providers' Strict option, set in
// production, they are an error wrapping [ErrInsecurePermissions]. The
// warning is the default because Kubernetes mounts Secrets 0644.
//
// # The encrypted secrets file
//
// The file (default config/secrets.age) is encrypted with age
// (https://age-encryption.org) to an X25519 identity, the master key. The
// key comes from FileConfig.MasterKey, a key file, the RAMPART_MASTER_KEY
// variable, RAMPART_MASTER_KEY_FILE, or config/master.key (mode 0600, never
// committed); see [FileConfig]. A wrong key gives an error wrapping
// [ErrWrongMasterKey] that reveals nothing about the file or the key.
//
// Inside, after decryption, is a header line and a JSON object of names and
// string values:
//
//	rampart-secrets/v1
//	{
//	  "DATABASE_PASSWORD": "…",
//	  "SECRET_KEY": "…"
//	}
//
// JSON rather than NAME=value lines because values such as PEM keys span
// lines. The parser is strict — one object, string values only, no
// duplicate names, no control characters except tab, CR and LF, nothing
// after the object, at most 1 MiB — and fuzzed; the writer is canonical
// (names sorted), so a diff of two decrypted versions is meaningful.
//
// [InitFile] creates a master key and an empty file (and refuses to
// overwrite either); [OpenFile] decrypts one; [File.Set], [File.Delete] and
// [File.ReplaceJSON] change values in memory and [File.Save] writes them
// atomically (temporary file, rename, mode 0600); [File.RotateMaster]
// re-encrypts to a new master key. The rampart command wraps all of this:
// `rampart secrets init|set|get|list|delete|edit|rotate-master`.
//
// # Startup checks
//
// [Require] checks every required secret and returns a [*RequireError]
// listing every problem at once — missing, unreadable, a known placeholder
// ("your_secret_key", "changeme", "secret", "password", "dev", "test", …),
// a repeated or sequential pattern, too short (default 32 bytes) or too
// little estimated entropy (default 80 bits) — one line each, naming the
// secret and the provider and saying how to fix it. [GenerateKey] returns a
// 256-bit random key that passes; `rampart keys generate` prints one.
//
// See the OWASP Secrets Management Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
package secrets
