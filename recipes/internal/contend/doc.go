// Package contend holds what coordkit's lock and election recipes share:
// contests among sequential-ephemeral nodes in one directory, after the
// ZooKeeper recipes and Apache Curator's layout.
//
// # Nodes
//
// A contender creates one node in the contest's directory, named
// "_c_<uuid>-<name><seq>" (Curator's protected name: <name> is "lock-",
// "latch-", "__READ__", ...; <seq> is the server's sequence suffix). The
// random prefix is new for every attempt, so that after a create whose reply
// was lost (zk.ErrConnectionLoss) the contender finds its own node among the
// children instead of leaving an orphan that would block everyone until its
// session ends (Contest.Join). A second node with the same prefix — a lost
// create applied late — is deleted as soon as it is seen.
//
// # Order
//
// Children take part when their name ends in a known marker ("-lock-",
// "__lock__", "__rlock__", "__READ__", "__WRIT__", "-latch-") followed by a
// sequence number as ZooKeeper writes it; other children are ignored.
// Contenders are ordered by that number, parsed as a 32-bit counter and
// compared in serial-number arithmetic, so that a counter that wrapped to
// negative values still orders after the values before the wrap (Order).
//
// # Waiting
//
// A contender waits for one other node, chosen by a Rule (for a mutex, its
// predecessor), with a one-shot data watch, and re-reads the children
// after every wake-up but one: the deletion of the holder when that alone
// lets it proceed (Contest.Wait). While its blocker is its immediate
// predecessor and waits too, it also watches the contender before the
// blocker and re-reads when that one goes, so that the blocker's release
// becomes such a grant. A deletion wakes at most two contenders: no herd. Predecessor is the rule of an
// exclusive lock, Shared that of a reader (wait for the last exclusive
// contender before). A semaphore's lease waits instead until the
// directory holds at most its limit of children (Contest.WaitWithin),
// watched by the one acquirer that holds the semaphore's internal mutex.
//
// # Holds
//
// A Monitor watches a held node and closes its Lost channel when the session
// ends, when the node disappears, or when the connection stays suspended
// longer than its Policy allows. Once the holder begins to release the hold
// (Monitor.SetReleasing), none of these closes Lost: a release that
// succeeds ends the hold with the holder's own cause (Monitor.Stop), so
// that a dropped reply or the node's own deletion during the release is
// not reported as a loss.
//
// The session's end and suspensions cost the monitor no request; the node's
// deletion needs an exists watch, which it sets only once armed
// (Monitor.Arm, or the first call to Monitor.Lost), so that a hold that
// nobody asks about costs no request per grant. A deletion by another party
// is noticed from the first Arm on: at once if it came before (the exists
// finds no node), by the watch if it comes after.
//
// A Hold is the part of a recipe's hold built on a Monitor: Hold.Err
// derives the recipe's error from the monitor's cause, and Hold.Release
// deletes the node once (with a Remover such as Contest.Remove), under
// SetReleasing, then stops the monitor with the final cause.
//
// # Options
//
// The recipes' options that set the same thing (the suspend grace, the
// ACL, the nodes' data, the cleanup timeout) are Settings of a Config,
// which each recipe's config embeds; a Setting's error wraps the recipe's
// own "invalid option" error.
package contend
