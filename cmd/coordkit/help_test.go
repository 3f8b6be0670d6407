package main

import (
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMainHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"help"}, {"help", "--help"}, {"--servers", "x:1", "--help"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, t.Context(), "", "", args...)
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr)
			assert.True(t, strings.HasPrefix(stdout, "Usage: "+mainSynopsis+"\n"), stdout)
			for _, mk := range verbs {
				v := mk()
				assert.Regexp(t, `(?m)^  `+v.name+` +`+regexp.QuoteMeta(v.summary)+`$`, stdout)
			}
			for _, s := range []string{"--servers HOSTS", "--timeout DUR", "$" + envServers, "Exit status"} {
				assert.Contains(t, stdout, s)
			}
		})
	}
}

func TestVerbHelp(t *testing.T) {
	for _, mk := range verbs {
		v := mk()
		t.Run(v.name, func(t *testing.T) {
			want := "Usage: coordkit " + v.synopsis() + "\n"
			forms := [][]string{
				{v.name, "--help"},
				{v.name, "-h"},
				{v.name, "/some/path", "-help"}, // after positionals too
				{"help", v.name},
				{"--timeout", "1s", v.name, "--help"},
			}
			var first string
			for _, args := range forms {
				code, stdout, stderr := runCLI(t, t.Context(), "", "", args...)
				assert.Equal(t, exitOK, code, "%v", args)
				assert.Empty(t, stderr, "%v", args)
				assert.True(t, strings.HasPrefix(stdout, want), "%v: %q", args, stdout)
				if first == "" {
					first = stdout
				}
				assert.Equal(t, first, stdout, "%v", args)
			}
			// Every own flag is documented, the global ones are not
			// repeated as the verb's.
			v.ownFlags(func(f *flag.Flag) { assert.Contains(t, first, "\n  --"+f.Name) })
			assert.NotContains(t, first, "\n  --servers")
			if v.noSession {
				assert.NotContains(t, first, "Global flags")
			} else {
				assert.Contains(t, first, "Global flags")
			}
		})
	}
}

func TestSynopses(t *testing.T) {
	want := map[string]string{
		"create": "create [--container] [--ephemeral] [--sequential] [--ttl DUR] PATH [DATA]",
		"get":    "get PATH",
		"set":    "set [--version N] PATH DATA",
		"stat":   "stat PATH",
		"ls":     "ls PATH",
		"rm":     "rm [--recursive] PATH",
		"watch":  "watch [--recursive] PATH",
		"lock":   "lock [--grace DUR] [--try] [--wait DUR] PATH CMD [ARGS...]",
		"elect":  "elect [--listen] PATH [VALUE]",
		"server": "server [--data DIR] [--listen ADDR] [--memory] [--tick DUR]",
	}
	require.Len(t, verbs, len(want))
	for _, mk := range verbs {
		v := mk()
		assert.Equal(t, want[v.name], v.synopsis())
		assert.NotEmpty(t, v.summary)
		assert.NotEmpty(t, strings.TrimSpace(v.help))
		assert.NotNil(t, lookup(v.name))
	}
}
