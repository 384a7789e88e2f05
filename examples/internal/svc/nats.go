package svc

import (
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// ConnectNATS connects to url with reconnects and a name for monitoring.
func ConnectNATS(url, name string) (*nats.Conn, error) {
	if url == "" {
		return nil, errors.New("svc: no NATS URL (set " + EnvNATSURL + ")")
	}
	return nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.Timeout(5*time.Second))
}

// EmbeddedNATS is a NATS server inside the process (the demo's and the
// tests' default), listening on a free loopback port.
type EmbeddedNATS struct {
	srv *server.Server
}

// StartEmbeddedNATS starts the server and waits until it accepts
// connections.
func StartEmbeddedNATS() (*EmbeddedNATS, error) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoLog: true, NoSigs: true,
		MaxPayload: 4 << 20})
	if err != nil {
		return nil, err
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("svc: embedded NATS server did not start")
	}
	return &EmbeddedNATS{srv: srv}, nil
}

// URL is the server's client URL.
func (e *EmbeddedNATS) URL() string { return e.srv.ClientURL() }

// Shutdown stops the server.
func (e *EmbeddedNATS) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
