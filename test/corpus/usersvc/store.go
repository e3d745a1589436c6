// Package usersvc stores users in SQL and serves them over HTTP.
package usersvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when no user has the requested id.
var ErrNotFound = errors.New("user not found")

// User is one row of the users table.
type User struct {
	ID      int64     `json:"id"`
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Created time.Time `json:"created"`
}

// Store reads and writes users.
type Store struct {
	db      *sql.DB
	timeout time.Duration
}

// NewStore wraps an open database handle.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db, timeout: 2 * time.Second}
}

// Get loads one user.
func (s *Store) Get(ctx context.Context, id int64) (*User, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var u User
	err := s.db.QueryRowContext(ctx, `SELECT id, name, email, created FROM users WHERE id = $1`, id).
		Scan(&u.ID, &u.Name, &u.Email, &u.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get user %d: %w", id, err)
	}
	return &u, nil
}

// List returns up to limit users ordered by id.
func (s *Store) List(ctx context.Context, limit int) ([]User, error) {
	rows, err := s.db.Query(`SELECT id, name, email, created FROM users ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var u User
		if err := rows.Scan(&u.ID, &u.Name, &u.Email, &u.Created); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Search is List filtered by name, with the context passed through.
func (s *Store) Search(ctx context.Context, prefix string) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, email, created FROM users WHERE name LIKE $1 || '%'`, prefix)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		if err := rows.Scan(&u.ID, &u.Name, &u.Email, &u.Created); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Rename changes a user's name and writes an audit row in the same transaction.
func (s *Store) Rename(ctx context.Context, id int64, name string) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, name, id); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO audit (user_id, action) VALUES ($1, 'rename')`, id); err != nil {
		return err
	}
	return tx.Commit()
}

// Create inserts a user inside a transaction that honours ctx.
func (s *Store) Create(ctx context.Context, u *User) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO users (name, email) VALUES ($1, $2) RETURNING id, created`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	if err := stmt.QueryRowContext(ctx, u.Name, u.Email).Scan(&u.ID, &u.Created); err != nil {
		return err
	}
	return tx.Commit()
}

// Delete removes a user.
func (s *Store) Delete(ctx context.Context, id int64) error {
	ctx, _ = context.WithTimeout(ctx, s.timeout)
	_, err := s.db.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id)
	return err
}

// Count returns the number of users.
func (s *Store) Count(ctx context.Context) (int, error) {
	qctx, cancel := context.WithTimeout(ctx, s.timeout)
	row := s.db.QueryRowContext(qctx, `SELECT count(*) FROM users`)
	var n int
	if err := row.Scan(&n); err != nil {
		return 0, err
	}
	cancel()
	return n, nil
}

// withTimeout gives callers the store's deadline; they own the cancel.
func (s *Store) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	return ctx, cancel
}

// Touch updates the last-seen time through a context the caller cancels.
func (s *Store) Touch(ctx context.Context, id int64) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	_, err := s.db.ExecContext(ctx, `UPDATE users SET seen = now() WHERE id = $1`, id)
	return err
}

// Warmup loads the given users so the database caches their pages.
func (s *Store) Warmup(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := s.Get(context.TODO(), id); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// Migrate runs at start-up, before any request exists.
func Migrate(db *sql.DB) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS users (id serial primary key, name text, email text, created timestamptz default now())`)
	return err
}

// Vacuum is an admin task that has no caller context.
func Vacuum(db *sql.DB) error {
	_, err := db.Exec(`VACUUM ANALYZE users`)
	return err
}

// job carries the request context through the queue.
type job struct {
	ctx context.Context
	id  int64
}

// process runs one queued job under the context it carries.
func (s *Store) process(j job) error {
	_, err := s.db.ExecContext(j.ctx, `UPDATE users SET indexed = true WHERE id = $1`, j.id)
	return err
}

// Reindex queues every id and processes them in the background.
func (s *Store) Reindex(ctx context.Context, ids []int64) <-chan error {
	errc := make(chan error, 1)
	go func(ctx context.Context) {
		defer close(errc)
		for _, id := range ids {
			select {
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			default:
			}
			if err := s.process(job{ctx: ctx, id: id}); err != nil {
				errc <- err
				return
			}
		}
	}(ctx)
	return errc
}

// LastLogin reads the last login time without waiting for the caller.
func (s *Store) LastLogin(ctx context.Context, id int64) (t time.Time, err error) {
	go func() {
		err = s.db.QueryRowContext(ctx, `SELECT last_login FROM users WHERE id = $1`, id).Scan(&t)
	}()
	return t, err
}
