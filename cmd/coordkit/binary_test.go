package main

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// execCLI runs the coordkit binary with $COORDKIT_SERVERS set to servers.
func execCLI(t *testing.T, servers, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), coordkitBin(t), args...)
	cmd.Env = append(cmd.Environ(), envServers+"="+servers)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "run coordkit %v", args)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

func TestBinary(t *testing.T) {
	t.Parallel()
	ns := newNamespace(t)
	data := strings.Repeat("stdin \x00\xff bytes\n", 1000)

	code, stdout, stderr := execCLI(t, ns.servers, data, "create", "/n", "-")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "/n\n", stdout)
	assert.Empty(t, stderr)

	code, stdout, stderr = execCLI(t, ns.servers, "", "get", "/n")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, data, stdout)

	code, _, stderr = execCLI(t, ns.servers, "new\n", "set", "/n", "-", "--version", "0")
	require.Equal(t, exitOK, code, stderr)
	code, stdout, _ = execCLI(t, ns.servers, "", "get", "/n")
	require.Equal(t, exitOK, code)
	assert.Equal(t, "new\n", stdout)

	code, stdout, stderr = execCLI(t, ns.servers, "", "stat", "/n")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, "\nversion: 1\n")
	assert.Contains(t, stdout, "\ndataLength: 4\n")

	code, stdout, stderr = execCLI(t, ns.servers, "", "ls", "/")
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "n\n", stdout)

	code, stdout, stderr = execCLI(t, ns.servers, "", "rm", "--recursive", "/n")
	require.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout)

	// An operation error: status 1 and exactly this message.
	code, stdout, stderr = execCLI(t, ns.servers, "", "get", "/nope")
	assert.Equal(t, exitError, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "coordkit: get /nope: node does not exist\n", stderr)

	// A usage error: status 2, the message and the verb's synopsis.
	code, stdout, stderr = execCLI(t, ns.servers, "", "create", "--container", "--sequential", "/x")
	assert.Equal(t, exitUsage, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "coordkit: create: --container and --sequential cannot be combined\n"+
		"usage: coordkit create [--container] [--ephemeral] [--sequential] [--ttl DUR] PATH [DATA]\n"+
		"Run \"coordkit help create\" for details.\n", stderr)

	code, _, stderr = execCLI(t, ns.servers, "", "frobnicate")
	assert.Equal(t, exitUsage, code)
	assert.True(t, strings.HasPrefix(stderr, "coordkit: unknown verb \"frobnicate\"\nusage: coordkit "), stderr)

	// Help: status 0, on standard output.
	code, stdout, stderr = execCLI(t, ns.servers, "", "--help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Contains(t, stdout, "Verbs:")
	code, stdout, stderr = execCLI(t, ns.servers, "", "rm", "-h")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.True(t, strings.HasPrefix(stdout, "Usage: coordkit rm [--recursive] PATH\n"), stdout)
}
