package sanitize_test

import (
	"fmt"

	"github.com/rampartgo/rampart/sanitize"
)

func Example() {
	body := `<p onclick="steal()">Hi <b>there</b>!</p>` +
		`<a href="jav&#x09;ascript:alert(1)">click</a> ` +
		`<a href="https://example.com/">docs</a><script>alert(1)</script>`
	fmt.Println(sanitize.HTML(body))
	fmt.Printf("%q\n", sanitize.Line("  My\r\nnote\x00 title "))
	fmt.Println(sanitize.Filename("../../etc/passwd"))
	fmt.Println(sanitize.Filename("invoice\u202Efdp.exe"))
	// Output:
	// <p>Hi <b>there</b>!</p>click <a href="https://example.com/" rel="nofollow noreferrer noopener" target="_blank">docs</a>
	// "My note title"
	// passwd
	// invoicefdp.exe
}
