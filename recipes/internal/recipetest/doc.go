// Package recipetest holds the test helpers that the recipes' tests
// (packages lock, election and contend) share: it is imported by _test.go
// files only.
//
// # Setup
//
// Main is a test package's TestMain: it runs the tests, closes the
// package's shared servers (zktest.Servers, one per backend) and checks
// that no goroutine of the client, the server or the recipes outlived
// them. Context, Dial and UniquePath give a test a bounded context, a
// session and a path of its own, each ended by t.Cleanup.
//
// # Checks
//
// Children and WaitChildren read a directory; RequireLost and RequireHeld
// check the Lost channel of whatever a recipe grants (a lock's Hold, a
// Lease, a Leadership); Go, Receive and RequirePending follow a blocking
// call run in a goroutine; WaitState waits for a session's state event.
// All of them are bounded: none waits longer than EventTimeout or
// OpTimeout.
//
// # Scenarios
//
// RequireNewValidates, LostOnSuspension and LostOnNodeDeletion are
// scenarios that every recipe must pass; each recipe's tests run them with
// its own constructor, grant and errors. DropFirstReplies and
// DialSuspendable inject the faults those scenarios need.
package recipetest
