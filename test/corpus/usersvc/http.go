package usersvc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os/exec"
	"strconv"
	"time"
)

// Server exposes the store over HTTP.
type Server struct {
	store    *Store
	notifier *Notifier
	exporter string
	mux      *http.ServeMux
}

// NewServer wires the routes.
func NewServer(store *Store, n *Notifier, exporter string) *Server {
	s := &Server{store: store, notifier: n, exporter: exporter, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /users/{id}", s.handleGet)
	s.mux.HandleFunc("GET /users", s.handleList)
	s.mux.HandleFunc("POST /users/{id}/name", s.handleRename)
	s.mux.HandleFunc("GET /export", s.handleExport)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	u, err := s.store.Get(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, u)
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	ctx := context.Background()
	users, err := s.store.List(ctx, 50)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, users)
}

func (s *Server) handleRename(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	var body struct {
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if err := s.store.Rename(ctx, id, body.Name); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	u, err := s.store.Get(ctx, id)
	if err == nil {
		if err := s.notifier.Notify(ctx, *u); err != nil {
			log.Printf("notify: %v", err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := s.store.Count(ctx)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cmd := exec.Command(s.exporter, "--rows", strconv.Itoa(n))
	out, err := cmd.Output()
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	_, _ = w.Write(out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("encode: %v", err)
	}
}

// Notifier posts user changes to a webhook.
type Notifier struct {
	client   *http.Client
	endpoint string
}

// NewNotifier returns a notifier with a bounded client.
func NewNotifier(endpoint string) *Notifier {
	return &Notifier{client: &http.Client{Timeout: 5 * time.Second}, endpoint: endpoint}
}

// Notify sends one change.
func (n *Notifier) Notify(ctx context.Context, u User) error {
	body, err := json.Marshal(u)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, n.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("webhook: %s", resp.Status)
	}
	return nil
}

// Ping checks the webhook with the caller's deadline.
func (n *Notifier) Ping(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, n.endpoint+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// Healthy is the quick variant used by the readiness probe.
func (n *Notifier) Healthy(ctx context.Context) bool {
	resp, err := http.Get(n.endpoint + "/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && ctx.Err() == nil
}

// Version fetches the webhook's version once at start-up, without a caller context.
func (n *Notifier) Version() (string, error) {
	resp, err := http.Get(n.endpoint + "/version")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var v struct{ Version string }
	err = json.NewDecoder(resp.Body).Decode(&v)
	return v.Version, err
}
