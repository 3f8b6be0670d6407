package wire

import "strconv"

// ErrCode is a ZooKeeper error code (KeeperException.Code) as carried in
// ReplyHeader.Err and multi results; its values are wire values.
type ErrCode int32

// Error codes of ZooKeeper 3.8.
const (
	ErrOK                           ErrCode = 0
	ErrSystemError                  ErrCode = -1
	ErrRuntimeInconsistency         ErrCode = -2
	ErrDataInconsistency            ErrCode = -3
	ErrConnectionLoss               ErrCode = -4
	ErrMarshallingError             ErrCode = -5
	ErrUnimplemented                ErrCode = -6
	ErrOperationTimeout             ErrCode = -7
	ErrBadArguments                 ErrCode = -8
	ErrUnknownSession               ErrCode = -12
	ErrNewConfigNoQuorum            ErrCode = -13
	ErrReconfigInProgress           ErrCode = -14
	ErrAPIError                     ErrCode = -100
	ErrNoNode                       ErrCode = -101
	ErrNoAuth                       ErrCode = -102
	ErrBadVersion                   ErrCode = -103
	ErrNoChildrenForEphemerals      ErrCode = -108
	ErrNodeExists                   ErrCode = -110
	ErrNotEmpty                     ErrCode = -111
	ErrSessionExpired               ErrCode = -112
	ErrInvalidCallback              ErrCode = -113
	ErrInvalidACL                   ErrCode = -114
	ErrAuthFailed                   ErrCode = -115
	ErrSessionMoved                 ErrCode = -118
	ErrNotReadOnly                  ErrCode = -119
	ErrEphemeralOnLocalSession      ErrCode = -120
	ErrNoWatcher                    ErrCode = -121
	ErrRequestTimeout               ErrCode = -122
	ErrReconfigDisabled             ErrCode = -123
	ErrSessionClosedRequireSASLAuth ErrCode = -124
	ErrQuotaExceeded                ErrCode = -125
	ErrThrottledOp                  ErrCode = -127
)

var errNames = map[ErrCode]string{
	ErrOK: "ok", ErrSystemError: "system error",
	ErrRuntimeInconsistency: "runtime inconsistency",
	ErrDataInconsistency:    "data inconsistency", ErrConnectionLoss: "connection loss",
	ErrMarshallingError: "marshalling error", ErrUnimplemented: "unimplemented",
	ErrOperationTimeout: "operation timeout", ErrBadArguments: "bad arguments",
	ErrUnknownSession: "unknown session", ErrNewConfigNoQuorum: "new config has no quorum",
	ErrReconfigInProgress: "reconfig in progress", ErrAPIError: "api error",
	ErrNoNode: "node does not exist", ErrNoAuth: "not authorized",
	ErrBadVersion: "bad version", ErrNoChildrenForEphemerals: "ephemeral nodes may not have children",
	ErrNodeExists: "node already exists", ErrNotEmpty: "node has children",
	ErrSessionExpired: "session expired", ErrInvalidCallback: "invalid callback",
	ErrInvalidACL: "invalid ACL", ErrAuthFailed: "authentication failed",
	ErrSessionMoved: "session moved", ErrNotReadOnly: "server is read-only",
	ErrEphemeralOnLocalSession: "ephemeral on local session", ErrNoWatcher: "no such watcher",
	ErrRequestTimeout: "request timeout", ErrReconfigDisabled: "reconfig disabled",
	ErrSessionClosedRequireSASLAuth: "session closed: SASL authentication required",
	ErrQuotaExceeded:                "quota exceeded", ErrThrottledOp: "operation throttled",
}

// String returns the code's description, e.g. "node does not exist".
func (c ErrCode) String() string {
	if s, ok := errNames[c]; ok {
		return s
	}
	return "unknown error " + strconv.Itoa(int(c))
}
