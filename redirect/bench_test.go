package redirect

import "testing"

func BenchmarkSafeNext(b *testing.B) {
	for _, bm := range []struct{ name, next string }{
		{"Accepted", "/notes/42/edit?tab=history&page=2"},
		{"AcceptedEncoded", "/notes/caf%C3%A9?q=a%20b"},
		{"RejectedBackslash", `/\evil.example`},
		{"RejectedDoubleEncoded", "/%252f%252fevil.example"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				SafeNext(bm.next)
			}
		})
	}
}
