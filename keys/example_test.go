package keys_test

import (
	"fmt"

	"github.com/rampartgo/rampart/keys"
	"github.com/rampartgo/rampart/secrets"
)

// One master secret serves every component, each under its own key; a
// rotation keeps old signatures valid while new ones use the new key.
func Example() {
	oldMaster := secrets.New("an-old-master-secret-of-at-least-32-bytes")
	newMaster := secrets.New("a-new-master-secret-from-rampart-keys-generate")

	before := keys.MustNewRing(oldMaster)
	tag := before.Purpose(keys.Remember).Sign([]byte("user:42"))

	after := keys.MustNewRing(newMaster, oldMaster)
	fmt.Println("old tag valid after rotation:", after.Purpose(keys.Remember).Verify([]byte("user:42"), tag))
	fmt.Println("valid for another purpose:", after.Purpose(keys.Session).Verify([]byte("user:42"), tag))
	fmt.Println("tampered value:", after.Purpose(keys.Remember).Verify([]byte("user:1"), tag))
	// Output:
	// old tag valid after rotation: true
	// valid for another purpose: false
	// tampered value: false
}
