package form

import "testing"

var benchScanBody = []byte(`{"name":"Ada Lovelace","email":"ada@example.com","age":36,` +
	`"subject":"Analytical engine","message":"The engine might compose elaborate pieces of music."}`)

// BenchmarkScanJSON measures the depth and duplicate-key pre-scan that
// Bind runs before encoding/json, on the 5-field body of bench/.
func BenchmarkScanJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if err := scanJSON(benchScanBody, 32, nil); err != nil {
			b.Fatal(err)
		}
	}
}
