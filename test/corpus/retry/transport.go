package retry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"time"
)

// Transport retries idempotent requests.
type Transport struct {
	Base   http.RoundTripper
	Policy Policy
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		body = b
	}
	var resp *http.Response
	err := Do(req.Context(), t.Policy, func(ctx context.Context) error {
		r := req.Clone(ctx)
		if body != nil {
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		var err error
		resp, err = base.RoundTrip(r)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 500 {
			resp.Body.Close()
			return &statusError{resp.StatusCode}
		}
		return nil
	})
	return resp, err
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

// Proxy forwards a request upstream with retries.
type Proxy struct {
	Client   *http.Client
	Upstream string
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(context.TODO(), 10*time.Second)
	defer cancel()
	var resp *http.Response
	err := Do(ctx, Default, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, r.Method, p.Upstream+r.URL.Path, nil)
		if err != nil {
			return &Permanent{err}
		}
		resp, err = p.Client.Do(req)
		return err
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// ServeHealth answers from the request's own context.
func (p *Proxy) ServeHealth(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, p.Upstream+"/health", nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := p.Client.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
}
