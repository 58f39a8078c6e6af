package sanitize

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkSafe parses out as an HTML fragment inside <div> the way a browser
// would and reports the first thing that is not on the allowlist: an
// element, an attribute, a URL scheme, a comment.
func checkSafe(out string) error {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(out), ctx)
	if err != nil {
		return fmt.Errorf("reparse: %v", err)
	}
	var walk func(n *html.Node) error
	walk = func(n *html.Node) error {
		switch n.Type {
		case html.ElementNode:
			if n.Namespace != "" {
				return fmt.Errorf("foreign element <%s:%s>", n.Namespace, n.Data)
			}
			if !slices.Contains(allowedElements, n.Data) {
				return fmt.Errorf("element <%s> not allowed", n.Data)
			}
			for _, a := range n.Attr {
				if err := checkAttr(n.Data, a); err != nil {
					return err
				}
			}
		case html.CommentNode, html.DoctypeNode:
			return fmt.Errorf("node type %d not allowed", n.Type)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range nodes {
		if err := walk(n); err != nil {
			return err
		}
	}
	return nil
}

func checkAttr(elem string, a html.Attribute) error {
	if a.Namespace != "" || elem != "a" {
		return fmt.Errorf("attribute %s on <%s> not allowed", a.Key, elem)
	}
	switch a.Key {
	case "href":
		u, err := url.Parse(a.Val)
		if err != nil {
			return fmt.Errorf("unparsable href %q", a.Val)
		}
		if !slices.Contains(AllowedURLSchemes(), strings.ToLower(u.Scheme)) {
			return fmt.Errorf("href scheme %q not allowed in %q", u.Scheme, a.Val)
		}
		// A browser strips tabs and newlines from URLs before it reads the
		// scheme; make sure nothing of the sort survives either.
		if strings.ContainsAny(a.Val, "\t\r\n\x00") {
			return fmt.Errorf("control character in href %q", a.Val)
		}
	case "rel":
		for _, v := range strings.Fields(a.Val) {
			if !slices.Contains([]string{"nofollow", "noreferrer", "noopener"}, v) {
				return fmt.Errorf("rel value %q not allowed", v)
			}
		}
	case "target":
		if a.Val != "_blank" {
			return fmt.Errorf("target %q not allowed", a.Val)
		}
	default:
		return fmt.Errorf("attribute %s on <a> not allowed", a.Key)
	}
	return nil
}

func readCorpus(t testing.TB) []string {
	t.Helper()
	f, err := os.Open("testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vectors []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, `"`):
			s, err := strconv.Unquote(line)
			if err != nil {
				t.Fatalf("bad quoted vector %s: %v", line, err)
			}
			vectors = append(vectors, s)
		default:
			vectors = append(vectors, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vectors
}

func TestHTMLXSSCorpus(t *testing.T) {
	vectors := readCorpus(t)
	if len(vectors) < 100 {
		t.Fatalf("corpus has %d vectors, want at least 100", len(vectors))
	}
	for i, v := range vectors {
		out := HTML(v)
		if err := checkSafe(out); err != nil {
			t.Errorf("vector %d %q\n  out: %q\n  %v", i, v, out, err)
		}
		// Escaped text (&lt;script) is harmless; a raw tag is not.
		lower := strings.ToLower(out)
		for _, bad := range []string{"<script", "<img", "<svg", "<math", "<iframe", "<style", "<object", "<embed", "<form", "<input", "<noscript", "<!--"} {
			if strings.Contains(lower, bad) {
				t.Errorf("vector %d %q: output contains %q: %q", i, v, bad, out)
			}
		}
		if again := HTML(out); again != out {
			t.Errorf("vector %d not idempotent:\n  once:  %q\n  twice: %q", i, out, again)
		}
	}
}

func TestHTMLPolicy(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "hello", "hello"},
		{"allowed formatting", "<p>a <strong>b</strong> <em>c</em></p>", "<p>a <strong>b</strong> <em>c</em></p>"},
		{"lists and quotes", "<ul><li>x</li></ul><blockquote>q</blockquote>", "<ul><li>x</li></ul><blockquote>q</blockquote>"},
		{"code keeps escaped text", "<pre><code>if a &lt; b {}</code></pre>", "<pre><code>if a &lt; b {}</code></pre>"},
		{"heading", "<h2>t</h2>", "<h2>t</h2>"},
		{"https link gets rel and target", `<a href="https://example.com/x">x</a>`,
			`<a href="https://example.com/x" rel="nofollow noreferrer noopener" target="_blank">x</a>`},
		{"mailto link", `<a href="mailto:a@example.com">m</a>`, `<a href="mailto:a@example.com" rel="nofollow noreferrer">m</a>`},
		{"attack: script removed with content", "a<script>alert(1)</script>b", "ab"},
		{"attack: event handler dropped", `<p onclick="alert(1)">x</p>`, "<p>x</p>"},
		{"attack: style attribute dropped", `<p style="color:red">x</p>`, "<p>x</p>"},
		{"attack: style element dropped", `<style>p{}</style>x`, "x"},
		{"attack: javascript href dropped", `<a href="javascript:alert(1)">x</a>`, "x"},
		{"attack: entity-encoded tab in scheme", `<a href="jav&#x09;ascript:alert(1)">x</a>`, "x"},
		{"attack: data URL dropped", `<a href="data:text/html,x">x</a>`, "x"},
		{"attack: relative URL dropped", `<a href="/admin">x</a>`, "x"},
		{"attack: iframe removed", `<iframe src="https://example.com"></iframe>x`, "x"},
		{"attack: svg removed with content", `<svg onload=alert(1)><text>t</text></svg>x`, "x"},
		{"attack: img removed", `<img src=x onerror=alert(1)>x`, "x"},
		{"attack: form controls removed", `<form><input name=a><button>b</button></form>`, "b"},
		{"attack: mXSS noscript title", `<noscript><p title="</noscript><img src=x onerror=alert(1)>">`, "&#34;&gt;"},
		{"attack: rel opener overridden", `<a href="https://e.example/" rel="opener">x</a>`,
			`<a href="https://e.example/" rel="nofollow noreferrer noopener" target="_blank">x</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := HTML(tt.in)
			if got != tt.want {
				t.Errorf("HTML(%q)\n got  %q\n want %q", tt.in, got, tt.want)
			}
			if err := checkSafe(got); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestNewPolicyIsFresh(t *testing.T) {
	p := NewPolicy()
	p.AllowAttrs("class").OnElements("code")
	if got := p.Sanitize(`<code class="go">x</code>`); got != `<code class="go">x</code>` {
		t.Errorf("extended policy: %q", got)
	}
	if got := HTML(`<code class="go">x</code>`); got != `<code>x</code>` {
		t.Errorf("default policy changed by another policy: %q", got)
	}
}

func FuzzHTML(f *testing.F) {
	for _, v := range readCorpus(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := HTML(in)
		if err := checkSafe(out); err != nil {
			t.Fatalf("HTML(%q) = %q: %v", in, out, err)
		}
		// Sanitizing sanitized output changes nothing: if it did, a
		// re-parse of our own output disagrees with what we emitted, the
		// root of mutation XSS.
		if again := HTML(out); again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func BenchmarkHTML(b *testing.B) {
	in := `<p>Hello <strong>world</strong>, see <a href="https://example.com/">this</a>` +
		` and <a href="javascript:alert(1)" onclick="x()">that</a>.</p><script>alert(1)</script>` +
		`<ul><li>one</li><li>two</li></ul>`
	b.ReportAllocs()
	for b.Loop() {
		HTML(in)
	}
}
