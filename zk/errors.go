package zk

import (
	"errors"
	"strconv"

	"github.com/coordkit/coordkit/internal/wire"
)

// Code is a ZooKeeper error code (KeeperException.Code); its values are wire
// values. A Code is itself an error ("zk: node does not exist") and compares
// with errors.Is. Codes returned by the server mean the request was answered:
// the operation took effect only if the code says so (it never does for a
// failed write: ZooKeeper applies a write entirely or not at all).
type Code int32

// Error returns "zk: " followed by the code's description.
func (c Code) Error() string { return "zk: " + wire.ErrCode(c).String() }

// String returns the code's description without the "zk: " prefix.
func (c Code) String() string { return wire.ErrCode(c).String() }

// One error value per ZooKeeper error code. Unless its doc says otherwise, a
// code returned for a request means the server answered it and the
// operation did not happen.
var (
	// ErrSystemError is a range marker the server never sends.
	ErrSystemError = Code(wire.ErrSystemError)
	// ErrRuntimeInconsistency is reported for the operations after the
	// failing one in a failed multi; none of them happened.
	ErrRuntimeInconsistency = Code(wire.ErrRuntimeInconsistency)
	// ErrDataInconsistency: the server found inconsistent data; the
	// operation did not happen.
	ErrDataInconsistency = Code(wire.ErrDataInconsistency)
	// ErrConnectionLoss means the request was written but the connection
	// died before its reply arrived: the operation MAY have happened, and
	// the caller must find out (read back, or use a protected name). It is
	// never safe to blindly retry a non-idempotent request that failed with
	// it. Errors wrapping it often also wrap the cause (for example
	// ErrProtocol).
	ErrConnectionLoss = Code(wire.ErrConnectionLoss)
	// ErrMarshalling: the server could not decode the request; it did not
	// happen.
	ErrMarshalling = Code(wire.ErrMarshallingError)
	// ErrUnimplemented: the server does not support the operation (for
	// example TTL nodes while they are disabled); it did not happen.
	ErrUnimplemented = Code(wire.ErrUnimplemented)
	// ErrOperationTimeout is a client-side code of other clients; this
	// package does not return it.
	ErrOperationTimeout = Code(wire.ErrOperationTimeout)
	// ErrBadArguments: the server rejected the arguments; nothing happened.
	ErrBadArguments = Code(wire.ErrBadArguments)
	// ErrUnknownSession is server-internal; nothing happened.
	ErrUnknownSession = Code(wire.ErrUnknownSession)
	// ErrNewConfigNoQuorum: reconfig could not reach a synced quorum.
	ErrNewConfigNoQuorum = Code(wire.ErrNewConfigNoQuorum)
	// ErrReconfigInProgress: another reconfig is running.
	ErrReconfigInProgress = Code(wire.ErrReconfigInProgress)
	// ErrAPIError is a range marker the server never sends.
	ErrAPIError = Code(wire.ErrAPIError)
	// ErrNoNode: the node (or, for create, its parent) does not exist;
	// nothing happened.
	ErrNoNode = Code(wire.ErrNoNode)
	// ErrNoAuth: the node's ACL denies the operation; nothing happened.
	ErrNoAuth = Code(wire.ErrNoAuth)
	// ErrBadVersion: the expected version did not match; nothing happened.
	ErrBadVersion = Code(wire.ErrBadVersion)
	// ErrNoChildrenForEphemerals: the parent is ephemeral; nothing happened.
	ErrNoChildrenForEphemerals = Code(wire.ErrNoChildrenForEphemerals)
	// ErrNodeExists: the node already exists; nothing happened.
	ErrNodeExists = Code(wire.ErrNodeExists)
	// ErrNotEmpty: the node has children; nothing happened.
	ErrNotEmpty = Code(wire.ErrNotEmpty)
	// ErrSessionExpired: the session is over. A request failing with it was
	// either refused by the server (nothing happened) or never written
	// because the server declared the session expired; Conn.Err wraps it
	// once the Conn has ended for that reason.
	ErrSessionExpired = Code(wire.ErrSessionExpired)
	// ErrInvalidCallback is a client-side code of other clients.
	ErrInvalidCallback = Code(wire.ErrInvalidCallback)
	// ErrInvalidACL: the ACL list is empty or malformed; nothing happened.
	ErrInvalidACL = Code(wire.ErrInvalidACL)
	// ErrAuthFailed: the server rejected a credential and closed the
	// connection; the Conn ends (Conn.Err wraps it). Requests written
	// before it may or may not have happened (they fail with
	// ErrConnectionLoss).
	ErrAuthFailed = Code(wire.ErrAuthFailed)
	// ErrSessionMoved: the session is owned by another connection; the
	// operation did not happen.
	ErrSessionMoved = Code(wire.ErrSessionMoved)
	// ErrNotReadOnly: a write was sent to a read-only server; it did not
	// happen.
	ErrNotReadOnly = Code(wire.ErrNotReadOnly)
	// ErrEphemeralOnLocalSession: ephemeral create on a local session; it
	// did not happen.
	ErrEphemeralOnLocalSession = Code(wire.ErrEphemeralOnLocalSession)
	// ErrNoWatcher: removeWatches found no such watch on the server.
	ErrNoWatcher = Code(wire.ErrNoWatcher)
	// ErrRequestTimeout is a client-side code of other clients.
	ErrRequestTimeout = Code(wire.ErrRequestTimeout)
	// ErrReconfigDisabled: reconfig is disabled on the server.
	ErrReconfigDisabled = Code(wire.ErrReconfigDisabled)
	// ErrSessionClosedRequireSASLAuth: the server requires SASL.
	ErrSessionClosedRequireSASLAuth = Code(wire.ErrSessionClosedRequireSASLAuth)
	// ErrQuotaExceeded: a hard quota would be exceeded; nothing happened.
	ErrQuotaExceeded = Code(wire.ErrQuotaExceeded)
	// ErrThrottled: the server dropped the request under load; it did not
	// happen and may be retried later.
	ErrThrottled = Code(wire.ErrThrottledOp)
)

// Client-side errors.
var (
	// ErrNotSent means the request was never written to a server: it did not
	// happen and is safe to retry as is (IsRetryable reports true). It is
	// wrapped together with the reason (the connection was cut while the
	// request was queued, or its ctx ended before it was written).
	ErrNotSent = errors.New("zk: request not sent")
	// ErrClosed means the Conn was closed by Close. Requests failing with it
	// were not written (or, for those written before Close, were answered
	// before it returned).
	ErrClosed = errors.New("zk: connection closed")
	// ErrRequestTooLarge means the request's frame exceeds the request size
	// limit (WithMaxRequestSize); it was not sent.
	ErrRequestTooLarge = errors.New("zk: request too large")
	// ErrInvalidPath means a path breaks ZooKeeper's path rules; the request
	// was not sent.
	ErrInvalidPath = errors.New("zk: invalid path")
	// ErrInvalidArgument means an argument other than a path is invalid (a
	// create mode, a TTL, an ACL, a watch type); the request was not sent.
	ErrInvalidArgument = errors.New("zk: invalid argument")
	// ErrProtocol means a server broke the wire protocol (a malformed or
	// oversized reply, a reply out of order); the connection was closed.
	// The request whose reply was bad MAY have happened.
	ErrProtocol = errors.New("zk: protocol error")
	// ErrWatchRemoved is a Watch's Err after Remove.
	ErrWatchRemoved = errors.New("zk: watch removed")
)

// IsRetryable reports whether err says a request was never written, so that
// sending it again as is cannot apply it twice. It is false for lost
// requests (ErrConnectionLoss), for answered requests, for requests refused
// before sending because they are invalid, and once the session is over.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrNotSent) && !errors.Is(err, ErrClosed) &&
		!errors.Is(err, ErrSessionExpired) && !errors.Is(err, ErrAuthFailed)
}

// Error is the error of every operation: the operation's name, the path it
// was given (as the caller wrote it, without the chroot) and the cause.
// Its message reads like "create /app/x: zk: node already exists".
type Error struct {
	Op   string
	Path string
	Err  error
}

// Error implements error.
func (e *Error) Error() string {
	msg := "<nil>"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Path == "" {
		return e.Op + ": " + msg
	}
	return e.Op + " " + e.Path + ": " + msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// notSentError wraps ErrNotSent and a reason without fmt.
type notSentError struct{ reason error }

func (e *notSentError) Error() string {
	if e.reason == nil {
		return ErrNotSent.Error()
	}
	return ErrNotSent.Error() + ": " + e.reason.Error()
}

func (e *notSentError) Unwrap() []error {
	if e.reason == nil {
		return []error{ErrNotSent}
	}
	return []error{ErrNotSent, e.reason}
}

// lostError wraps ErrConnectionLoss and the reason the connection died.
type lostError struct{ cause error }

func (e *lostError) Error() string {
	if e.cause == nil {
		return ErrConnectionLoss.Error()
	}
	return ErrConnectionLoss.Error() + ": " + e.cause.Error()
}

func (e *lostError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrConnectionLoss}
	}
	return []error{ErrConnectionLoss, e.cause}
}

// protocolError wraps ErrProtocol with a description.
type protocolError struct {
	msg   string
	cause error
}

func (e *protocolError) Error() string {
	s := ErrProtocol.Error() + ": " + e.msg
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *protocolError) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrProtocol}
	}
	return []error{ErrProtocol, e.cause}
}

func errProtocol(msg string, cause error) error { return &protocolError{msg: msg, cause: cause} }

// tooLargeError names the operation, path and sizes of a refused request.
type tooLargeError struct {
	size, limit int
}

func (e *tooLargeError) Error() string {
	return ErrRequestTooLarge.Error() + ": " + strconv.Itoa(e.size) + " bytes, limit " + strconv.Itoa(e.limit)
}

func (e *tooLargeError) Unwrap() error { return ErrRequestTooLarge }

// MultiError is the error of a failed Multi (or of a MultiRead whose reads
// failed): it wraps the first real failure, so errors.Is(err, ErrBadVersion)
// works, and carries every operation's result. A failed Multi applied
// nothing.
type MultiError struct {
	// Index is the position of the first failing operation.
	Index int
	// Op and Path name it.
	Op, Path string
	// Err is its error (usually a Code).
	Err error
	// Results holds one entry per operation, in order.
	Results []OpResult
}

// Error implements error.
func (e *MultiError) Error() string {
	return "multi: op " + strconv.Itoa(e.Index) + " (" + e.Op + " " + e.Path + "): " + e.Err.Error()
}

// Unwrap returns the first real failure.
func (e *MultiError) Unwrap() error { return e.Err }
