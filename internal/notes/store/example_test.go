package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rampartgo/rampart/internal/notes/store"
)

// Emails are unique whatever their case, so "Alice@" cannot register twice
// as "alice@".
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "notes-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(dir, "notes.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	alice, _ := s.CreateUser(ctx, "Alice@Example.com", "$argon2id$...")
	_, err = s.CreateUser(ctx, "alice@example.COM", "$argon2id$...")
	fmt.Println(errors.Is(err, store.ErrEmailTaken))

	s.CreateNote(ctx, alice.ID, "hello", "<p>first note</p>")
	notes, _ := s.NotesByUser(ctx, alice.ID, 10)
	fmt.Println(len(notes), notes[0].Title)
	// Output:
	// true
	// 1 hello
}
