package zktest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Main classes of Apache ZooKeeper.
const (
	standaloneMain = "org.apache.zookeeper.server.ZooKeeperServerMain"
	quorumMain     = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
)

// debianJars is the class path of Debian's packages: the server jar (its
// manifest names the rest of its dependencies) plus the slf4j binding and
// log4j 1.2, which Debian's zkEnv.sh relies on but the manifest omits.
var debianJars = []string{
	"/usr/share/java/zookeeper.jar",
	"/usr/share/java/slf4j-log4j12.jar",
	"/usr/share/java/log4j-1.2.jar",
}

const installHint = "run scripts/install-zookeeper.sh (Debian packages zookeeper, zookeeper-bin), " +
	"or set ZOOKEEPER_JAVA and ZOOKEEPER_CLASSPATH"

// locateRuntime finds the java binary and ZooKeeper's class path.
func locateRuntime() (java, classPath string, err error) {
	if java, err = locateJava(); err != nil {
		return "", "", err
	}
	if classPath, err = locateClassPath(); err != nil {
		return "", "", err
	}
	return java, classPath, nil
}

// locateJava returns the java binary: $ZOOKEEPER_JAVA, $JAVA_HOME/bin/java,
// or java on PATH.
func locateJava() (string, error) {
	if p := os.Getenv("ZOOKEEPER_JAVA"); p != "" {
		return p, nil
	}
	if h := os.Getenv("JAVA_HOME"); h != "" {
		p := filepath.Join(h, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("zktest: java not found: %s", installHint)
	}
	return p, nil
}

// locateClassPath returns $ZOOKEEPER_CLASSPATH or Debian's jars, checking
// that the latter exist.
func locateClassPath() (string, error) {
	if cp := os.Getenv("ZOOKEEPER_CLASSPATH"); cp != "" {
		return cp, nil
	}
	var missing []string
	for _, j := range debianJars {
		if _, err := os.Stat(j); err != nil {
			missing = append(missing, j)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("zktest: ZooKeeper jars missing (%s): %s", strings.Join(missing, ", "), installHint)
	}
	return strings.Join(debianJars, string(os.PathListSeparator)), nil
}

// member is one server line of an ensemble's zoo.cfg.
type member struct {
	id                           int
	clientPort, quorum, election int
}

// zooCfg renders zoo.cfg: the defaults, the ensemble's server lines, then
// the user's WithConfig entries replacing defaults of the same key.
func (c *config) zooCfg(dataDir string, clientPort int, members []member) string {
	minSession := c.minSession
	if minSession == 0 {
		minSession = 2 * c.tick
	}
	lines := []kv{
		{"tickTime", ms(c.tick)},
		{"initLimit", "10"},
		{"syncLimit", "5"},
		{"dataDir", dataDir},
		{"clientPort", strconv.Itoa(clientPort)},
		{"clientPortAddress", "127.0.0.1"},
		{"maxClientCnxns", "0"},
		{"minSessionTimeout", ms(minSession)},
		{"maxSessionTimeout", ms(c.maxSession)},
		{"4lw.commands.whitelist", "*"},
		{"admin.enableServer", "false"},
		// No fsync: a killed JVM's writes survive in the page cache, and
		// tests on a small machine run much faster.
		{"forceSync", "no"},
		{"preAllocSize", "1024"}, // KiB, instead of 64 MiB per log file
	}
	for _, m := range members {
		lines = append(lines, kv{
			"server." + strconv.Itoa(m.id),
			fmt.Sprintf("127.0.0.1:%d:%d", m.quorum, m.election),
		})
	}
	if len(members) > 0 {
		lines = append(lines, kv{"quorumListenOnAllIPs", "false"}, kv{"reconfigEnabled", "false"},
			// A one-member ensemble is a quorum of one, not a standalone server.
			kv{"standaloneEnabled", "false"})
	}
	for _, o := range c.cfg {
		replaced := false
		for i := range lines {
			if lines[i].key == o.key {
				lines[i].value, replaced = o.value, true
			}
		}
		if !replaced {
			lines = append(lines, o)
		}
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "%s=%s\n", l.key, l.value)
	}
	return b.String()
}

// javaArgs is the java command line (without the binary).
func (c *config) javaArgs(dir, classPath, mainClass, cfgPath string, quorum bool) []string {
	args := []string{
		"-Xms32m", "-Xmx256m",
		"-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData",
		"-Xshare:auto",
		"-Djava.net.preferIPv4Stack=true",
		"-Djava.awt.headless=true",
		"-Dzookeeper.log.dir=" + dir,
		"-Dzookeeper.root.logger=INFO,CONSOLE",
		"-Dlog4j.configuration=file:" + filepath.Join(dir, "log4j.properties"),
		"-Dlogback.configurationFile=" + filepath.Join(dir, "logback.xml"),
		"-Dzookeeper.jmx.log4j.disable=true",
		"-Dzookeeper.admin.enableServer=false",
		"-Dzookeeper.extendedTypesEnabled=true",
		"-Dznode.container.checkIntervalMs=" + ms(c.containerScan),
	}
	if quorum {
		args = append(args,
			"-Dzookeeper.cnxTimeout=1000",
			"-Dzookeeper.fastleader.minNotificationInterval=100",
			"-Dzookeeper.fastleader.maxNotificationInterval=1000",
		)
	}
	if c.superDigest != "" {
		args = append(args, "-Dzookeeper.DigestAuthenticationProvider.superDigest="+c.superDigest)
	}
	for _, p := range c.props {
		args = append(args, "-D"+p.key+"="+p.value)
	}
	args = append(args, c.jvmFlags...)
	return append(args, "-cp", classPath, mainClass, cfgPath)
}

// log4jProperties sends everything at INFO and above to standard output,
// which the helpers redirect to zookeeper.log with standard error. The
// pattern is Debian's without the costly caller location.
const log4jProperties = `log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.Target=System.out
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} %-5p [%t] %c{1}: %m%n
`

// logbackXML does the same for an upstream tarball's class path (logback).
const logbackXML = `<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} %-5p [%t] %c{1}: %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
`

// writeServerFiles lays out dir for one server: zoo.cfg, the logging
// configurations, and an empty data directory (with myid for an ensemble
// member). Any previous data is removed.
func writeServerFiles(dir, zooCfg string, myid int) error {
	dataDir := filepath.Join(dir, "data")
	if err := os.RemoveAll(dataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"zoo.cfg":          zooCfg,
		"log4j.properties": log4jProperties,
		"logback.xml":      logbackXML,
	}
	if myid > 0 {
		files[filepath.Join("data", "myid")] = strconv.Itoa(myid) + "\n"
	}
	var errs []error
	for name, content := range files {
		errs = append(errs, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return errors.Join(errs...)
}

func ms(d time.Duration) string {
	return strconv.FormatInt(d.Milliseconds(), 10)
}
