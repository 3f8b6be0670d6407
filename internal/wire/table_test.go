package wire

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The opcode table of §6: wire value, name, request record and response
// record (for err = 0) of every opcode.
var opTable = []struct {
	op       OpCode
	value    int32
	name     string
	request  string // record type from RequestBody; "" = none
	response string // record type from ResponseBody; "" = none
}{
	{OpNotification, 0, "notification", "", ""},
	{OpCreate, 1, "create", "*wire.CreateRequest", "*wire.PathRequest"},
	{OpDelete, 2, "delete", "*wire.DeleteRequest", "wire.Empty"},
	{OpExists, 3, "exists", "*wire.PathWatchRequest", "*wire.StatResponse"},
	{OpGetData, 4, "getData", "*wire.PathWatchRequest", "*wire.GetDataResponse"},
	{OpSetData, 5, "setData", "*wire.SetDataRequest", "*wire.StatResponse"},
	{OpGetACL, 6, "getACL", "*wire.PathRequest", "*wire.GetACLResponse"},
	{OpSetACL, 7, "setACL", "*wire.SetACLRequest", "*wire.StatResponse"},
	{OpGetChildren, 8, "getChildren", "*wire.PathWatchRequest", "*wire.StringsResponse"},
	{OpSync, 9, "sync", "*wire.PathRequest", "*wire.PathRequest"},
	{OpPing, 11, "ping", "wire.Empty", "wire.Empty"},
	{OpGetChildren2, 12, "getChildren2", "*wire.PathWatchRequest", "*wire.GetChildren2Response"},
	{OpCheck, 13, "check", "*wire.DeleteRequest", "wire.Empty"},
	{OpMulti, 14, "multi", "*wire.MultiRequest", "*wire.MultiResponse"},
	{OpCreate2, 15, "create2", "*wire.CreateRequest", "*wire.Create2Response"},
	{OpReconfig, 16, "reconfig", "*wire.ReconfigRequest", "*wire.GetDataResponse"},
	{OpCheckWatches, 17, "checkWatches", "*wire.WatchesRequest", "wire.Empty"},
	{OpRemoveWatches, 18, "removeWatches", "*wire.WatchesRequest", "wire.Empty"},
	{OpCreateContainer, 19, "createContainer", "*wire.CreateRequest", "*wire.Create2Response"},
	{OpDeleteContainer, 20, "deleteContainer", "", ""},
	{OpCreateTTL, 21, "createTTL", "*wire.CreateTTLRequest", "*wire.Create2Response"},
	{OpMultiRead, 22, "multiRead", "*wire.MultiRequest", "*wire.MultiResponse"},
	{OpAuth, 100, "auth", "*wire.AuthPacket", "wire.Empty"},
	{OpSetWatches, 101, "setWatches", "*wire.SetWatches", "wire.Empty"},
	{OpSASL, 102, "sasl", "*wire.SASLToken", "*wire.SASLToken"},
	{OpGetEphemerals, 103, "getEphemerals", "*wire.PathRequest", "*wire.StringsResponse"},
	{OpGetAllChildrenNumber, 104, "getAllChildrenNumber", "*wire.PathRequest", "*wire.CountResponse"},
	{OpSetWatches2, 105, "setWatches2", "*wire.SetWatches", "wire.Empty"},
	{OpAddWatch, 106, "addWatch", "*wire.AddWatchRequest", "*wire.ErrorResponse"},
	{OpWhoAmI, 107, "whoAmI", "wire.Empty", "*wire.WhoAmIResponse"},
	{OpCreateSession, -10, "createSession", "", ""},
	{OpCloseSession, -11, "closeSession", "wire.Empty", "wire.Empty"},
	{OpError, -1, "error", "", ""},
}

func TestOpcodeTable(t *testing.T) {
	for _, tt := range opTable {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.value, int32(tt.op))
			assert.Equal(t, tt.name, tt.op.String())

			req, ok := RequestBody(tt.op)
			assert.Equal(t, tt.request != "", ok)
			if ok {
				assert.Equal(t, tt.request, fmt.Sprintf("%T", req))
			} else {
				assert.Nil(t, req)
			}
			resp, ok := ResponseBody(tt.op)
			assert.Equal(t, tt.response != "", ok)
			if ok {
				assert.Equal(t, tt.response, fmt.Sprintf("%T", resp))
			} else {
				assert.Nil(t, resp)
			}
		})
	}
	// The kind-specific flags of shared record types.
	r, _ := RequestBody(OpSetWatches2)
	assert.True(t, r.(*SetWatches).V2)
	r, _ = RequestBody(OpSetWatches)
	assert.False(t, r.(*SetWatches).V2)
	r, _ = RequestBody(OpMultiRead)
	assert.True(t, r.(*MultiRequest).Read)
	r, _ = RequestBody(OpMulti)
	assert.False(t, r.(*MultiRequest).Read)

	// Every call returns a new record.
	a, _ := RequestBody(OpCreate)
	b, _ := RequestBody(OpCreate)
	assert.NotSame(t, a, b)
	c, _ := ResponseBody(OpGetData)
	d, _ := ResponseBody(OpGetData)
	assert.NotSame(t, c, d)
}

func TestUnknownOpcodes(t *testing.T) {
	for _, op := range []OpCode{10, 23, 99, 108, 999, -2, -9, -12, 1 << 30} {
		t.Run(op.String(), func(t *testing.T) {
			assert.Equal(t, fmt.Sprintf("op(%d)", int32(op)), op.String())
			_, ok := RequestBody(op)
			assert.False(t, ok)
			_, ok = ResponseBody(op)
			assert.False(t, ok)
		})
	}
	// Every named opcode is in the table above.
	require.Len(t, opNames, len(opTable))
}

// The error codes of §14.
func TestErrCodes(t *testing.T) {
	codes := map[ErrCode]int32{
		ErrOK: 0, ErrSystemError: -1, ErrRuntimeInconsistency: -2, ErrDataInconsistency: -3,
		ErrConnectionLoss: -4, ErrMarshallingError: -5, ErrUnimplemented: -6, ErrOperationTimeout: -7,
		ErrBadArguments: -8, ErrUnknownSession: -12, ErrNewConfigNoQuorum: -13, ErrReconfigInProgress: -14,
		ErrAPIError: -100, ErrNoNode: -101, ErrNoAuth: -102, ErrBadVersion: -103,
		ErrNoChildrenForEphemerals: -108, ErrNodeExists: -110, ErrNotEmpty: -111, ErrSessionExpired: -112,
		ErrInvalidCallback: -113, ErrInvalidACL: -114, ErrAuthFailed: -115, ErrSessionMoved: -118,
		ErrNotReadOnly: -119, ErrEphemeralOnLocalSession: -120, ErrNoWatcher: -121, ErrRequestTimeout: -122,
		ErrReconfigDisabled: -123, ErrSessionClosedRequireSASLAuth: -124, ErrQuotaExceeded: -125, ErrThrottledOp: -127,
	}
	for code, v := range codes {
		assert.Equal(t, v, int32(code))
		assert.NotEqual(t, fmt.Sprintf("unknown error %d", v), code.String(), "%d has a name", v)
	}
	assert.Len(t, errNames, len(codes), "every named code is listed here")
	assert.Equal(t, "node does not exist", ErrNoNode.String())
	assert.Equal(t, "node already exists", ErrNodeExists.String())
	for _, v := range []int32{-9, -11, -104, -109, -116, -126, 1, -128} {
		assert.Equal(t, fmt.Sprintf("unknown error %d", v), ErrCode(v).String())
	}
}
