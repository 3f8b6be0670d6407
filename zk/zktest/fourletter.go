package zktest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// fourLetterTimeout bounds a four-letter-word exchange when ctx has no
// earlier deadline.
const fourLetterTimeout = 5 * time.Second

// ErrNotServing is returned by Srvr when the server answers that it is not
// currently serving requests (starting, or an ensemble member without a
// quorum).
var ErrNotServing = errors.New("zktest: server is not currently serving requests")

const notServingText = "This ZooKeeper instance is not currently serving requests"

// FourLetterWord sends word (such as "ruok", "srvr", "mntr", "cons") to the
// server at addr on a new connection and returns everything the server
// writes before it closes the connection. It blocks until then, until ctx is
// done, or for at most 5 s. Which words run depends on the server's
// 4lw.commands.whitelist (all of them on servers started by this package).
func FourLetterWord(ctx context.Context, addr, word string) (string, error) {
	if len(word) != 4 {
		return "", fmt.Errorf("zktest: four-letter word %q: need 4 bytes", word)
	}
	ctx, cancel := context.WithTimeout(ctx, fourLetterTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("zktest: %s %s: %w", word, addr, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := io.WriteString(c, word); err != nil {
		return "", fmt.Errorf("zktest: %s %s: %w", word, addr, err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		return string(out), fmt.Errorf("zktest: %s %s: %w", word, addr, err)
	}
	return string(out), nil
}

// Ruok reports whether the server at addr answers "ruok" with "imok". A
// server answers so as soon as it listens, before it serves requests.
func Ruok(ctx context.Context, addr string) bool {
	out, err := FourLetterWord(ctx, addr, "ruok")
	return err == nil && out == "imok"
}

// ServerStats is the parsed output of the "srvr" four-letter word.
type ServerStats struct {
	// Version is the version line's value, e.g. "3.8.0-…, built on …".
	Version string
	// Mode is "standalone", "leader", "follower", "observer" or "read-only".
	Mode string
	// Zxid is the last processed transaction id.
	Zxid int64
	// Connections is the number of client connections, including the one
	// asking.
	Connections int
	// Outstanding is the number of queued requests.
	Outstanding int
	// NodeCount is the number of znodes, including /zookeeper and its
	// children.
	NodeCount int
	// Received and Sent count packets since the last reset.
	Received, Sent int64
	// Latency is the "min/avg/max" latency line's value, in ms.
	Latency string
}

// Srvr runs the "srvr" four-letter word on addr and parses its output. It
// returns ErrNotServing (wrapped) when the server is up but not serving.
func Srvr(ctx context.Context, addr string) (ServerStats, error) {
	out, err := FourLetterWord(ctx, addr, "srvr")
	if err != nil {
		return ServerStats{}, err
	}
	return parseSrvr(out)
}

func parseSrvr(out string) (ServerStats, error) {
	var s ServerStats
	if strings.Contains(out, notServingText) {
		return s, ErrNotServing
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	var err error
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "Zookeeper version":
			s.Version = val
		case "Latency min/avg/max":
			s.Latency = val
		case "Received":
			s.Received, err = strconv.ParseInt(val, 10, 64)
		case "Sent":
			s.Sent, err = strconv.ParseInt(val, 10, 64)
		case "Connections":
			s.Connections, err = strconv.Atoi(val)
		case "Outstanding":
			s.Outstanding, err = strconv.Atoi(val)
		case "Zxid":
			var z uint64
			z, err = strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 64)
			s.Zxid = int64(z)
		case "Mode":
			s.Mode = val
		case "Node count":
			s.NodeCount, err = strconv.Atoi(val)
		}
		if err != nil {
			return s, fmt.Errorf("zktest: srvr: %s: %w", key, err)
		}
	}
	if s.Mode == "" {
		return s, fmt.Errorf("zktest: srvr: no Mode in %q", out)
	}
	return s, nil
}
