// Package event emits security events through log/slog using the names of
// the OWASP Logging Vocabulary Cheat Sheet
// (https://cheatsheetseries.owasp.org/cheatsheets/Logging_Vocabulary_Cheat_Sheet.html),
// so a SIEM rule written for one rampart component works for all of them.
//
// Every event is one slog record with the message "security event", the
// attribute event=<name>, and the caller's attributes. Failures, lockouts and
// attacks are logged at Warn, successes at Info. Never pass a secret value as
// an attribute unless it is a secrets.Secret (which logs as [REDACTED]).
package event

import (
	"context"
	"log/slog"
)

// Event names (OWASP Logging Vocabulary).
const (
	LoginSuccess        = "authn_login_success"
	LoginFail           = "authn_login_fail"
	LoginLock           = "authn_login_lock"
	Logout              = "authn_logout"
	PasswordChange      = "authn_password_change"
	PasswordChangeFail  = "authn_password_change_fail"
	TokenCreated        = "authn_token_created"
	TokenRevoked        = "authn_token_revoked"
	TokenReuse          = "authn_token_reuse"
	TokenInvalid        = "authn_token_invalid"
	SessionCreated      = "session_created"
	SessionRenewed      = "session_renewed"
	SessionExpired      = "session_expired"
	SessionRevoked      = "session_revoked"
	SessionUseAfterExp  = "session_use_after_expire"
	MaliciousCSRF       = "malicious_csrf"
	CSPViolation        = "csp_violation"
	InputValidationFail = "input_validation_fail"
	AuthzFail           = "authz_fail"
	ExcessUse           = "excess_use"
	Upload              = "upload_complete"
	UserCreated         = "user_created"
	SysStartup          = "sys_startup"
	SysShutdown         = "sys_shutdown"
)

// Message is the slog message of every security event.
const Message = "security event"

// Level returns the level an event is logged at: Warn for failures, lockouts,
// reuse and attacks, Info for everything else.
func Level(name string) slog.Level {
	switch name {
	case LoginFail, LoginLock, PasswordChangeFail, TokenReuse, TokenInvalid,
		SessionUseAfterExp, MaliciousCSRF, CSPViolation, InputValidationFail,
		AuthzFail, ExcessUse:
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// Emit logs the event name with attrs to logger (slog.Default() when nil).
func Emit(ctx context.Context, logger *slog.Logger, name string, attrs ...slog.Attr) {
	if logger == nil {
		logger = slog.Default()
	}
	level := Level(name)
	if !logger.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, len(attrs)+1)
	all = append(all, slog.String("event", name))
	all = append(all, attrs...)
	logger.LogAttrs(ctx, level, Message, all...)
}
