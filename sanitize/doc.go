// Package sanitize cleans untrusted text before it is stored: HTML written
// by users, plain text, and file names.
//
// Sanitize on input and escape on output, both. Sanitizing at the door
// keeps the database free of markup that some future renderer (an e-mail
// template, a PDF export, a JSON API consumer that uses innerHTML) might
// trust; escaping at the exit (html/template) protects every page even if
// something unsanitized slipped in. Neither replaces the other. See the
// OWASP Cross Site Scripting Prevention Cheat Sheet:
// https://cheatsheetseries.owasp.org/cheatsheets/Cross_Site_Scripting_Prevention_Cheat_Sheet.html
//
// # Which function to use
//
//   - [HTML] for rich text a user may format (a note body, a comment): it
//     keeps a small set of harmless elements and removes everything else.
//   - [Text] for plain text fields (a title, a display name, a note body
//     that is shown as text): Unicode NFC, no control characters, newlines
//     normalised, trimmed.
//   - [Line] for single-line text: like [Text], with every line break
//     folded into a space.
//   - [Filename] for a name a client proposed for a file: a safe base name
//     that cannot climb directories or name a device. When the name does not
//     matter, do better and generate one (form.File.SafeName does).
//
// # The HTML policy
//
// [HTML] uses [NewPolicy], an allowlist built on
// github.com/microcosm-cc/bluemonday:
//
//   - elements: p, br, hr, strong, em, b, i, u, s, del, ins, sub, sup,
//     ul, ol, li, blockquote, code, pre, h1–h6, and a;
//   - attributes: href on a (and the rel and target the policy adds itself);
//     no other attribute on any element, so no style, class, id, and no
//     event handler (onclick, onerror, ...);
//   - URLs: absolute http, https and mailto only, and they must parse;
//     javascript:, data:, vbscript:, file: and relative URLs are removed
//     together with the href (the link text stays);
//   - links to other sites get target="_blank" and
//     rel="nofollow noreferrer noopener": nofollow because the link is user
//     content (no search-ranking spam), noopener so the opened page cannot
//     reach back through window.opener (reverse tabnabbing), noreferrer so
//     the note's URL does not leak. See
//     https://developer.mozilla.org/en-US/docs/Web/HTML/Attributes/rel/noopener;
//   - script, style, iframe, object, embed, svg, math, form, input,
//     textarea, select, button, template, noscript and every other element
//     not listed is removed; the contents of script, style, and the like are
//     dropped entirely, other unknown elements keep their text.
//
// The policy works on the parsed tree (golang.org/x/net/html), not on
// strings, so entity and whitespace tricks such as
// <a href="jav&#x09;ascript:..."> are decoded before the URL is checked.
// The test corpus in testdata/xss.txt holds the OWASP XSS Filter Evasion
// Cheat Sheet vectors and more; every output is re-parsed and checked
// against the allowlist above.
//
// Treat the output as HTML only where you mean to: in html/template pass it
// as template.HTML at the one place that renders the body, never anything
// else from the request.
package sanitize
