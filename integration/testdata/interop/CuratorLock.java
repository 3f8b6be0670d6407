// A contender for Curator's InterProcessMutex, for coordkit's interop tests
// (integration/interop_test.go compiles it with javac, with CuratorPeer.java,
// against Debian's Curator and ZooKeeper jars).
//
// Usage:
//   java CuratorLock HOSTS LOCK TIMEOUT_S...
//       Connects to HOSTS and prints {"event": "ready"}. Then, for each
//       TIMEOUT_S in turn, tries to acquire the InterProcessMutex on LOCK for
//       that many seconds: prints {"event": "timeout"} if it could not and
//       goes on with the next one, or {"event": "acquired"} if it could. Once
//       acquired, it waits for a line on stdin (or its end), releases the
//       mutex and prints {"event": "released"}.
//   java CuratorLock HOSTS LOCK rounds ROUNDS LOG HOLD_MS
//       Connects, prints {"event": "ready"} and waits for a line on stdin.
//       ROUNDS times: acquires the mutex (within 60 s), appends "enter
//       curator ROUND" and "exit curator ROUND" as sequential nodes LOG/e-
//       around a HOLD_MS sleep, releases it and prints {"event":
//       "acquired", "round"}. Prints {"event": "done"} at the end.
// It exits with status 0 when done, whether or not it acquired, and prints
// {"event": "fault", "error"} and exits with status 1 on any error.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.zookeeper.CreateMode;

public final class CuratorLock {
    private CuratorLock() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: CuratorLock HOSTS LOCK TIMEOUT_S..., or CuratorLock HOSTS LOCK rounds ROUNDS LOG HOLD_MS");
            System.exit(2);
        }
        CuratorPeer.run(args[0], client -> {
            InterProcessMutex mutex = new InterProcessMutex(client, args[1]);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            if (args[2].equals("rounds") && args.length == 6) {
                rounds(client, mutex, in, Integer.parseInt(args[3]), args[4], Long.parseLong(args[5]));
            } else {
                attempts(mutex, in, args);
            }
        });
    }

    private static void attempts(InterProcessMutex mutex, BufferedReader in, String[] args) throws Exception {
        for (int i = 2; i < args.length; i++) {
            if (!mutex.acquire(Long.parseLong(args[i]), TimeUnit.SECONDS)) {
                CuratorPeer.emit("timeout");
                continue;
            }
            CuratorPeer.emit("acquired");
            in.readLine();
            mutex.release();
            CuratorPeer.emit("released");
            return;
        }
    }

    private static void rounds(CuratorFramework client, InterProcessMutex mutex, BufferedReader in,
            int rounds, String log, long holdMs) throws Exception {
        in.readLine();
        for (int r = 0; r < rounds; r++) {
            if (!mutex.acquire(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("mutex not acquired within 60 s");
            }
            try {
                client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(log + "/e-", ("enter curator " + r).getBytes(StandardCharsets.UTF_8));
                Thread.sleep(holdMs);
                client.create().withMode(CreateMode.PERSISTENT_SEQUENTIAL)
                        .forPath(log + "/e-", ("exit curator " + r).getBytes(StandardCharsets.UTF_8));
            } finally {
                mutex.release();
            }
            System.out.println("{\"event\": \"acquired\", \"round\": " + r + "}");
            System.out.flush();
        }
        CuratorPeer.emit("done");
    }
}
