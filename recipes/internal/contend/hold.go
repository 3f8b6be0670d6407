package contend

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/coordkit/coordkit/zk"
)

// Hold is what the recipes' holds of a granted node share (a lock's Hold,
// an election's Leadership): the Monitor that tells when the hold may be
// gone, the error that says why, and the release that deletes the node
// once. Its methods are safe for concurrent use.
type Hold struct {
	conn    *zk.Conn
	mon     *Monitor
	notHeld error // Err after a release without a loss
	lost    error // wraps the cause of a loss

	mu       sync.Mutex // serialises Release; guards the fields below
	released bool
	deleted  bool // a delete of the node may have happened
}

// NewHold starts monitoring the node at path, held through conn under
// policy (Watch), and returns its hold. notHeld is the recipe's error for
// a hold that was released (Err after a release without a loss, and a
// second Release); lost is the recipe's error that wraps the cause of a
// loss.
func NewHold(conn *zk.Conn, path string, policy Policy, notHeld, lost error) *Hold {
	return &Hold{conn: conn, mon: Watch(conn, path, policy), notHeld: notHeld, lost: lost}
}

// Lost returns a channel that is closed when the hold may be gone, or
// once it is released; see Monitor.Lost, which it calls (arming the
// monitor).
func (h *Hold) Lost() <-chan struct{} { return h.mon.Lost() }

// Arm makes the monitor watch the node's deletion from now on; see
// Monitor.Arm.
func (h *Hold) Arm() { h.mon.Arm() }

// Err returns nil while the hold lasts; after a loss, an error wrapping
// lost and the cause; after a release without a loss, notHeld. It does not
// arm the monitor.
func (h *Hold) Err() error {
	cause := h.mon.Cause()
	switch {
	case cause == nil:
		return nil
	case errors.Is(cause, h.notHeld):
		return h.notHeld
	}
	return fmt.Errorf("%w: %w", h.lost, cause)
}

// Remover deletes a held node and any duplicates it left (see
// Node.Recovered), blocking until it is gone or ctx ends. *deleted says
// whether an earlier delete may have been applied, so that a missing node
// is its own deletion rather than a loss (ErrNodeDeleted); a Remover sets
// it when a delete's reply was lost. Contest.Remove is one.
type Remover func(ctx context.Context, deleted *bool) error

// Release releases the hold with remove, once. While remove runs, nothing
// the monitor sees closes Lost (Monitor.SetReleasing).
//
// When the node is gone (remove returns nil, or ErrNodeDeleted, or the
// session ended and the node with it), Release stops the monitor, calls
// forget, and returns nil, or an error wrapping lost and the cause if the
// hold was lost before, or its node was found gone: Err then says the
// same. Any other error of remove is returned as is, and the hold stays as
// it was (a loss seen meanwhile closes Lost): Release may be called again.
// After a release, Release fails with notHeld.
func (h *Hold) Release(ctx context.Context, remove Remover, forget func()) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.released {
		return h.notHeld
	}
	h.mon.SetReleasing(true) // from here on the monitor's cause stays as it is
	lostBefore := h.mon.Cause()
	err := remove(ctx, &h.deleted)
	switch {
	case err == nil:
	case errors.Is(err, ErrNodeDeleted):
		if lostBefore == nil {
			lostBefore = err
		}
	case SessionOver(err) || h.conn.Err() != nil: // its nodes ended with it
		if lostBefore == nil {
			lostBefore = err
		}
	default:
		h.mon.SetReleasing(false)
		return err
	}
	h.released = true
	// Err then agrees with what this returns; a loss the monitor saw
	// before the release began keeps its own cause.
	final := h.notHeld
	if lostBefore != nil {
		final = lostBefore
	}
	h.mon.Stop(final)
	forget()
	if lostBefore != nil {
		return fmt.Errorf("%w: %w", h.lost, lostBefore)
	}
	return nil
}
