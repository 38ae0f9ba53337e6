package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"syscall"
)

// NotRunningError says no composer serves the socket at Path. Stale is
// set when a socket is there but nothing answers: one left by a composer
// that was killed.
type NotRunningError struct {
	Path  string
	Stale bool
}

func (e *NotRunningError) Error() string {
	if e.Stale {
		return fmt.Sprintf("not running (%s is left from a composer that was killed)", e.Path)
	}
	return fmt.Sprintf("not running (no %s)", e.Path)
}

// RemoteError is a response's error: the request failed.
type RemoteError struct {
	Msg   string
	Usage bool // the request was wrong (see Response.Usage)
}

func (e *RemoteError) Error() string { return e.Msg }

// Client is a connection to a running composer, for one request.
type Client struct {
	c   net.Conn
	dec *json.Decoder
}

// Dial connects to the composer serving the socket at path. It fails with
// a *NotRunningError when there is none, and with a *PathTooLongError as
// Listen does.
func Dial(path string) (*Client, error) {
	var c net.Conn
	err := viaShortPath(path, func(addr string) (err error) {
		c, err = net.Dial("unix", addr)
		return err
	})
	switch {
	case err == nil:
		// Only this user's composer (or root's) is told what to do.
		if uid, perr := peerUID(c.(*net.UnixConn)); perr == nil && uid != os.Geteuid() && uid != 0 {
			c.Close()
			return nil, fmt.Errorf("control: %s is served by another user (uid %d)", path, uid)
		}
		return &Client{c: c, dec: json.NewDecoder(c)}, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, &NotRunningError{Path: path}
	case errors.Is(err, syscall.ECONNREFUSED):
		return nil, &NotRunningError{Path: path, Stale: true}
	}
	return nil, fmt.Errorf("control: %w", err)
}

// Send writes req, with V set to Version.
func (c *Client) Send(req Request) error {
	req.V = Version
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := c.c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("control: sending the request: %w", err)
	}
	return nil
}

// Recv reads the next response. One that carries an error is returned as
// a *RemoteError. A connection closed before a last response is an error
// wrapping io.ErrUnexpectedEOF.
func (c *Client) Recv() (*Response, error) {
	var r Response
	if err := c.dec.Decode(&r); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// Between responses, or within one.
			return nil, fmt.Errorf("control: composer closed the connection: %w", io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("control: reading a response: %w", err)
	}
	if r.Error != "" {
		return nil, &RemoteError{Msg: r.Error, Usage: r.Usage}
	}
	return &r, nil
}

// Do sends req and reads the first response.
func (c *Client) Do(req Request) (*Response, error) {
	if err := c.Send(req); err != nil {
		// A server that refuses the connection says why and closes it,
		// maybe before the request is written.
		var re *RemoteError
		if _, rerr := c.Recv(); errors.As(rerr, &re) {
			return nil, re
		}
		return nil, err
	}
	return c.Recv()
}

// Close ends the connection.
func (c *Client) Close() error { return c.c.Close() }
