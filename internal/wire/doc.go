// Package wire is the ZooKeeper 3.8 wire protocol: jute encoding, the
// records of every client request and server reply, opcodes, error codes and
// framing. It does no I/O beyond reading frames from an io.Reader, and is
// shared by the client (zk) and the embedded server (zkserver).
//
// # Encoding
//
// Records are encoded explicitly, field by field, with an Encoder that
// appends to a byte slice; there is no reflection. Every record implements
// Record (Encode and Decode).
//
// # Decoding
//
// A Decoder reads one frame's payload with sticky errors: a truncated frame,
// a negative length other than −1 (null), or a length or count larger than
// the bytes left is an error, never a panic, and never allocates more than
// the frame holds. Decoders ignore trailing bytes, as the server does.
//
// # Framing
//
// Every message is a 4-byte big-endian length followed by that many bytes.
// FrameReader reads frames and refuses lengths above a limit; AppendRequest,
// AppendReply and AppendRecordFrame build complete frames.
package wire
