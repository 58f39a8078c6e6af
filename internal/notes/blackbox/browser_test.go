package blackbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/debugger"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserEnv is set by CI (which installs chromium): a missing browser is
// then a failure, not a skip.
const browserEnv = "RAMPART_TEST_BROWSER"

// findChromium returns the browser binary, or "".
func findChromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// cspWatch collects, across one browser tab, what would show a CSP problem
// or prove that the page's script ran.
type cspWatch struct {
	mu         sync.Mutex
	console    []string // console and log entries mentioning a policy
	reports    []string // requests to the report endpoint
	appScripts int      // same-origin scripts compiled (so allowed by CSP)
	exceptions []string
	dialogs    []string    // messages of the JavaScript dialogs opened
	dialogCh   chan string // dialogs waiting to be accepted
}

func (w *cspWatch) listen(base string) func(ev any) {
	return func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if e := ev.Entry; e != nil && isPolicyMessage(e.Text) {
				w.console = append(w.console, fmt.Sprintf("log %s/%s: %s (%s)", e.Source, e.Level, e.Text, e.URL))
			}
		case *runtime.EventConsoleAPICalled:
			for _, a := range ev.Args {
				if s := string(a.Value); isPolicyMessage(s) || isPolicyMessage(a.Description) {
					w.console = append(w.console, "console: "+s+a.Description)
				}
			}
		case *runtime.EventExceptionThrown:
			if d := ev.ExceptionDetails; d != nil {
				msg := d.Text
				if d.Exception != nil {
					msg += " " + d.Exception.Description
				}
				w.exceptions = append(w.exceptions, msg)
			}
		case *network.EventRequestWillBeSent:
			if ev.Request != nil && strings.Contains(ev.Request.URL, "/csp-report") {
				w.reports = append(w.reports, ev.Request.URL+" "+ev.Request.Method)
			}
		case *page.EventJavascriptDialogOpening:
			w.dialogs = append(w.dialogs, ev.Message)
			select {
			case w.dialogCh <- ev.Message:
			default:
			}
		case *debugger.EventScriptParsed:
			if strings.HasPrefix(ev.URL, base+"/") {
				w.appScripts++
			}
		}
	}
}

func isPolicyMessage(s string) bool {
	s = strings.ToLower(s)
	return strings.Contains(s, "content security policy") || strings.Contains(s, "content-security-policy") ||
		strings.Contains(s, "refused to") || strings.Contains(s, "trusted type")
}

func (w *cspWatch) scriptsRun() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appScripts
}

// violationRecorder runs in every document before its own scripts (CDP
// injects it outside the page's CSP) and records securitypolicyviolation
// events, which fire for every blocked script, style, frame or form.
const violationRecorder = `window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// TestBrowser drives a real headless Chromium through the app: register
// (with a validation error first), log out, log in, create a note. Every
// page must run its own script and report no CSP violation.
func TestBrowser(t *testing.T) {
	t.Parallel() // its own instance: runs beside the others
	chromium := findChromium()
	if chromium == "" {
		if os.Getenv(browserEnv) != "" {
			t.Fatalf("%s is set but no chromium binary was found (apt-get install -y chromium)", browserEnv)
		}
		t.Skipf("no chromium binary (/usr/bin/chromium) and %s unset: skipping the real-browser test", browserEnv)
	}
	a := startApp(t, appOptions{})

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	defer cancelCtx()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	w := &cspWatch{dialogCh: make(chan string, 4)}
	if err := chromedp.Listen(ctx, w.listen(a.base)); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	// Accept confirm() dialogs (the app asks before revoking a session).
	// A listener must not run commands, so a goroutine does.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.dialogCh:
				chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			}
		}
	}()
	if _, err := chromedp.Call(ctx, debugger.Enable, debugger.EnableParams{}); err != nil {
		t.Fatalf("enabling the debugger domain: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: violationRecorder}); err != nil {
		t.Fatalf("installing the violation recorder: %v", err)
	}

	email, pw := newEmail("browser"), newPassword()
	pages := 0
	// check runs after each page load: the page's script ran and nothing
	// was blocked by the CSP.
	check := func(step string) {
		t.Helper()
		pages++
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__cspViolations || []`))
		if err != nil {
			t.Fatalf("%s: reading violations: %v", step, err)
		}
		for _, v := range violations {
			t.Errorf("%s: CSP violation in the page: %s", step, v)
		}
		deadline := time.Now().Add(3 * time.Second)
		for w.scriptsRun() < pages && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if n := w.scriptsRun(); n < pages {
			t.Errorf("%s: the page's own script did not run (%d same-origin scripts compiled over %d pages)", step, n, pages)
		}
	}
	location := func() string {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + location.search`))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	navigate := func(path string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, chromedp.Navigate(a.base+path), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("navigate %s: %v", path, err)
		}
		check("GET " + path)
	}
	// submit fills the form matching the CSS selector form, clicks its
	// submit button, and waits for the next document to load.
	submit := func(step, form string, fields map[string]string) {
		t.Helper()
		before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`performance.timeOrigin + ""`))
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		var actions []chromedp.Action[chromedp.Void]
		for name, v := range fields {
			sel := chromedp.CSS(form + ` [name="` + name + `"]`)
			actions = append(actions, chromedp.SetValue(sel, v))
		}
		actions = append(actions, chromedp.Click(chromedp.CSS(form+` button[type="submit"], `+form+` input[type="submit"]`)))
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v (page at %s)", step, err, location())
		}
		// A new document has a new time origin. Evaluations may fail while
		// the navigation is under way: retry until the deadline.
		expr := `(performance.timeOrigin + "") !== ` + jsString(before) + ` && document.readyState === "complete"`
		deadline := time.Now().Add(10 * time.Second)
		for {
			done, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
			if err == nil && done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no new page after submitting (last error: %v)", step, err)
			}
			time.Sleep(25 * time.Millisecond)
		}
		check(step)
	}
	bodyText := func() string {
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	navigate("/")
	navigate("/login")
	navigate("/register")

	submit("register with a mismatched confirmation", `form[action="/register"]`, map[string]string{
		"email": email, "password": pw, "password_confirm": pw + "x",
	})
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement && document.activeElement.getAttribute("aria-invalid") || ""`))
	if err != nil {
		t.Fatal(err)
	}
	if focused != "true" {
		t.Errorf("on the 422 page app.js did not move focus to the invalid field: the script did not run")
	}

	submit("register", `form[action="/register"]`, map[string]string{"email": email, "password": pw, "password_confirm": pw})
	if loc := location(); loc != "/" {
		t.Errorf("after registering the browser is at %q, want /", loc)
	}
	navigate("/protected")
	if !strings.Contains(bodyText(), email) {
		t.Errorf("/protected does not show %s after registering in the browser", email)
	}

	submit("logout", `form[action="/logout"]`, nil)
	navigate("/login?next=%2Fnotes")
	submit("login", `form:has([name="password"])`, map[string]string{"email": email, "password": pw})
	if loc := location(); loc != "/notes" {
		t.Errorf("after login with next=/notes the browser is at %q", loc)
	}

	if jsCookies, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil {
		t.Fatal(err)
	} else if strings.Contains(jsCookies, "session=") || strings.Contains(jsCookies, "remember=") {
		t.Errorf("page script can read the session cookies: document.cookie = %q", jsCookies)
	}

	title := "browser note " + randHex(3)
	submit("create a note", `form[action="/notes"]`, map[string]string{"title": title, "body": "<b>bold</b> text"})
	if loc := location(); loc != "/notes" {
		t.Errorf("after creating a note the browser is at %q, want /notes", loc)
	}
	if !strings.Contains(bodyText(), title) {
		t.Errorf("the new note %q is not listed", title)
	}
	// Revoke another device's session through the page: app.js asks for
	// confirmation first (a dialog only a running script can open).
	revokeActions := func() map[string]bool {
		acts, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('form[action$="/revoke"]')).map(function (f) { return f.getAttribute("action"); })`))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]bool{}
		for _, s := range acts {
			m[s] = true
		}
		return m
	}
	navigate("/account")
	before := revokeActions()
	other := a.newClient(t)
	other.mustLogin(user{email, pw})
	navigate("/account")
	var target string
	for act := range revokeActions() {
		if !before[act] {
			target = act
		}
	}
	if target == "" {
		t.Fatal("the other device's session is not listed on /account")
	}
	submit("revoke the other device", `form[action="`+target+`"]`, nil)
	w.mu.Lock()
	dialogs := append([]string(nil), w.dialogs...)
	w.mu.Unlock()
	if len(dialogs) == 0 {
		t.Errorf("revoking a session opened no confirmation dialog: app.js did not run on /account")
	}
	if other.loggedIn() {
		t.Errorf("the session revoked through the browser is still logged in")
	}

	time.Sleep(200 * time.Millisecond) // let late console events arrive
	w.mu.Lock()
	console, reports, exceptions := append([]string(nil), w.console...), append([]string(nil), w.reports...), append([]string(nil), w.exceptions...)
	w.mu.Unlock()
	for _, m := range console {
		t.Errorf("browser reported: %s", m)
	}
	for _, r := range reports {
		t.Errorf("the browser sent a CSP report: %s", r)
	}
	for _, e := range exceptions {
		t.Errorf("uncaught script exception: %s", e)
	}
	if strings.Contains(a.out.String(), "csp_violation") {
		t.Errorf("the app logged a csp_violation during the browser run")
	}

	// Control: an injected inline script (what an XSS would add) is
	// blocked, and the recorder above sees it; so "no violation" above
	// means something.
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
  var s = document.createElement("script");
  s.textContent = "window.__injected = true";
  document.body.appendChild(s);
  return window.__injected === true;
})()`))
	if err != nil {
		t.Fatalf("control: %v", err)
	}
	if ran {
		t.Errorf("control: an injected inline script without the nonce ran: the CSP does not block XSS")
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(window.__cspViolations || []).length`))
		if err == nil && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("control: the blocked inline script raised no securitypolicyviolation event: the violation checks above prove nothing")
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
