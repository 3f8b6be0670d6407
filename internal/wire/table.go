package wire

// RequestBody returns a new, empty record for the body of a request with
// opcode op, ready to decode, and false for opcodes with no client request
// (notification, createSession, deleteContainer, error, unknown values).
// Requests with no body (ping, closeSession, whoAmI) get Empty.
func RequestBody(op OpCode) (Record, bool) {
	switch op {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}, true
	case OpCreateTTL:
		return &CreateTTLRequest{}, true
	case OpDelete:
		return &DeleteRequest{}, true
	case OpCheck:
		return &CheckVersionRequest{}, true
	case OpExists, OpGetData, OpGetChildren, OpGetChildren2:
		return &PathWatchRequest{}, true
	case OpSetData:
		return &SetDataRequest{}, true
	case OpGetACL, OpSync, OpGetEphemerals, OpGetAllChildrenNumber:
		return &PathRequest{}, true
	case OpSetACL:
		return &SetACLRequest{}, true
	case OpMulti:
		return &MultiRequest{}, true
	case OpMultiRead:
		return &MultiRequest{Read: true}, true
	case OpReconfig:
		return &ReconfigRequest{}, true
	case OpCheckWatches, OpRemoveWatches:
		return &WatchesRequest{}, true
	case OpAuth:
		return &AuthPacket{}, true
	case OpSetWatches:
		return &SetWatches{}, true
	case OpSetWatches2:
		return &SetWatches{V2: true}, true
	case OpSASL:
		return &SASLToken{}, true
	case OpAddWatch:
		return &AddWatchRequest{}, true
	case OpPing, OpCloseSession, OpWhoAmI:
		return Empty{}, true
	}
	return nil, false
}

// ResponseBody returns a new, empty record for the body of a successful
// reply to a request with opcode op (Empty for replies without a body), and
// false for opcodes no server answers.
func ResponseBody(op OpCode) (Record, bool) {
	switch op {
	case OpCreate, OpSync:
		return &PathRequest{}, true
	case OpCreate2, OpCreateContainer, OpCreateTTL:
		return &Create2Response{}, true
	case OpExists, OpSetData, OpSetACL:
		return &StatResponse{}, true
	case OpGetData, OpReconfig:
		return &GetDataResponse{}, true
	case OpGetACL:
		return &GetACLResponse{}, true
	case OpGetChildren, OpGetEphemerals:
		return &StringsResponse{}, true
	case OpGetChildren2:
		return &GetChildren2Response{}, true
	case OpMulti, OpMultiRead:
		return &MultiResponse{}, true
	case OpGetAllChildrenNumber:
		return &CountResponse{}, true
	case OpWhoAmI:
		return &WhoAmIResponse{}, true
	case OpAddWatch:
		return &ErrorResponse{}, true
	case OpSASL:
		return &SASLToken{}, true
	case OpDelete, OpCheck, OpPing, OpCloseSession, OpCheckWatches,
		OpRemoveWatches, OpAuth, OpSetWatches, OpSetWatches2:
		return Empty{}, true
	}
	return nil, false
}
