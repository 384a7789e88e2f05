package svc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// HealthPath is the W-Stack's health route.
const HealthPath = "/v1/metrics/health"

// MaxJSONBody bounds the JSON bodies of the management APIs.
const MaxJSONBody = 1 << 20

// ShutdownTimeout bounds the graceful shutdown.
const ShutdownTimeout = 10 * time.Second

// ErrBadRequest reports a management request that could not be decoded.
var ErrBadRequest = errors.New("svc: bad request")

// HandleHealth registers GET /v1/metrics/health on mux. check, when not nil,
// reports whether the service's dependencies answer (a database ping, the
// NATS connection); a failing check answers 503.
func HandleHealth(mux *http.ServeMux, service string, check func(context.Context) error) {
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, r *http.Request) {
		if check != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := check(ctx); err != nil {
				WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"service": service, "status": "unavailable"})
				return
			}
		}
		WriteJSON(w, http.StatusOK, map[string]string{"service": service, "status": "ok"})
	})
}

// Server is an HTTP server bound to its address before its handler is
// built, so a service can learn its own URL (port 0) first.
type Server struct {
	srv *http.Server
	ln  net.Listener
	log *slog.Logger
}

// Listen binds addr (host:port; port 0 picks a free one). Serve starts it.
func Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{ln: ln, log: log}, nil
}

// Addr is the bound address (host:port).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is http://Addr.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Serve serves h in the background until Shutdown. It may be called once.
func (s *Server) Serve(h http.Handler) {
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
}

// Shutdown stops accepting connections and waits for the open requests,
// at most ShutdownTimeout.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return s.ln.Close()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Run serves h on addr until ctx ends (a main passes a context from
// signal.NotifyContext for SIGINT/SIGTERM), then shuts down gracefully.
func Run(ctx context.Context, addr string, h http.Handler, log *slog.Logger) error {
	s, err := Listen(addr, log)
	if err != nil {
		return err
	}
	s.Serve(h)
	log.Info("listening", "addr", s.Addr())
	<-ctx.Done()
	log.Info("shutting down")
	return s.Shutdown(ctx)
}

// NewLogger returns a JSON slog logger on stderr at level (debug, info,
// warn, error; default info).
func NewLogger(service, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})).With("service", service)
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError writes an error body {"error": code, "error_description": msg}
// (the OAuth shape, so one client reads every service's errors).
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	WriteJSON(w, status, map[string]any{"error": code, "error_description": msg})
}

// DecodeJSON decodes a JSON request body of at most MaxJSONBody bytes into
// v, rejecting unknown media types, trailing data and oversized bodies
// (ErrBadRequest).
func DecodeJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fmt.Errorf("%w: content type %q", ErrBadRequest, ct)
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxJSONBody+1))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if len(body) > MaxJSONBody {
		return fmt.Errorf("%w: body over %d bytes", ErrBadRequest, MaxJSONBody)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrBadRequest)
	}
	return nil
}
