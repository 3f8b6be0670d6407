#!/usr/bin/env bash
# Installs what coordkit's tests need from Debian's packages: Apache ZooKeeper
# 3.8 (server jars, zkCli, the C CLI), a Java runtime and compiler (the
# Curator interop test compiles a small Java peer), python3-kazoo and the
# Curator recipes jars. Idempotent: when everything is present it only says so.
#
# The test helpers (zk/zktest) run the server with java directly, using
# /usr/share/java/zookeeper.jar, slf4j-log4j12.jar and log4j-1.2.jar.
#
# Usage: scripts/install-zookeeper.sh
set -euo pipefail

packages=(zookeeper zookeeper-bin python3-kazoo libcurator-recipes-java default-jdk-headless)

# Each check prints what it found, or fails.
check_java() { command -v java >/dev/null && java -version 2>&1 | head -n1; }
check_javac() { command -v javac >/dev/null && javac -version 2>&1 | head -n1; }
check_zookeeper() {
	local jar
	for jar in /usr/share/java/zookeeper-3.8.*.jar /usr/share/java/zookeeper.jar \
		/usr/share/java/zookeeper-jute.jar /usr/share/java/slf4j-log4j12.jar \
		/usr/share/java/log4j-1.2.jar; do
		[[ -e $jar ]] || return 1
	done
	ls /usr/share/java/zookeeper-3.8.*.jar | grep -v -e contrib -e jute -e recipes -e '-it-' | head -n1
}
check_zkcli() { [[ -x /usr/share/zookeeper/bin/zkCli.sh ]] && echo /usr/share/zookeeper/bin/zkCli.sh; }
# Debian's python3-kazoo is for Debian's python (/usr/bin/python3), which may
# not be the python3 first on PATH (pyenv, for one).
check_kazoo() {
	/usr/bin/python3 -c 'import kazoo, kazoo.version; print("kazoo", kazoo.version.__version__, "for /usr/bin/python3")' 2>/dev/null
}
check_curator() {
	local jar
	for jar in curator-recipes curator-framework curator-client; do
		[[ -e /usr/share/java/$jar.jar ]] || return 1
	done
	ls /usr/share/java/curator-recipes-*.jar | head -n1
}

checks=(check_java check_javac check_zookeeper check_zkcli check_kazoo check_curator)

report() {
	local c out missing=0
	for c in "${checks[@]}"; do
		if out=$("$c"); then
			printf '  %-16s %s\n' "${c#check_}" "$out"
		else
			printf '  %-16s MISSING\n' "${c#check_}"
			missing=1
		fi
	done
	return "$missing"
}

echo "install-zookeeper: checking"
if report; then
	echo "install-zookeeper: everything is installed"
	exit 0
fi

run_root=()
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null; then
		run_root=(sudo -n)
	else
		echo "install-zookeeper: ERROR: not root and no sudo; install as root: apt-get install -y ${packages[*]}" >&2
		exit 1
	fi
fi
if ! command -v apt-get >/dev/null; then
	echo "install-zookeeper: ERROR: apt-get not found; install Apache ZooKeeper 3.8, java, kazoo and Curator by hand" >&2
	echo "  (the test helpers honour ZOOKEEPER_JAVA and ZOOKEEPER_CLASSPATH)" >&2
	exit 1
fi

echo "install-zookeeper: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${run_root[@]}" apt-get update -q; then
	echo "install-zookeeper: ERROR: apt-get update failed" >&2
	exit 1
fi
if ! "${run_root[@]}" apt-get install -y -q "${packages[@]}"; then
	echo "install-zookeeper: ERROR: apt-get install ${packages[*]} failed" >&2
	exit 1
fi

echo "install-zookeeper: checking again"
if ! report; then
	echo "install-zookeeper: ERROR: still missing something after apt-get install (is this Debian 12 with ZooKeeper 3.8?)" >&2
	exit 1
fi
echo "install-zookeeper: done"
