CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL,
	email_key TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	password_changed_at TIMESTAMP NOT NULL
);

CREATE TABLE notes (
	id INTEGER PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL
);

CREATE INDEX notes_user_created ON notes (user_id, created_at DESC, id DESC);
