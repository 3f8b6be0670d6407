// A participant in Curator's LeaderLatch, for coordkit's interop tests
// (integration/interop_test.go compiles it with javac, next to
// CuratorLock.java, against Debian's Curator and ZooKeeper jars).
//
// Usage:
//   java CuratorLatch HOSTS PATH ID
//       Connects to HOSTS, prints {"event": "ready"} and starts a LeaderLatch
//       on PATH with participant id ID (CloseMode.SILENT). It prints
//       {"event": "leader", "path": OUR_NODE} when the latch becomes leader
//       and {"event": "notleader"} when it stops being leader. Commands, one
//       a line on stdin:
//         who     prints {"event": "who", "id": LEADER_ID}, the id
//                 LeaderLatch.getLeader reports ("" if none).
//         close   closes the latch and prints {"event": "closed"}.
//       At the end of stdin it closes the latch (if still open) and the
//       client and exits with status 0.
// It prints {"event": "fault", "error"} and exits with status 1 on any
// error.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.RetryOneTime;

public final class CuratorLatch {
    private CuratorLatch() {}

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    // emit prints one event with an optional string field; the listener's
    // thread and the main thread both print.
    private static synchronized void emit(String event, String field, String value) {
        StringBuilder b = new StringBuilder("{\"event\": ").append(quote(event));
        if (field != null) {
            b.append(", ").append(quote(field)).append(": ").append(quote(value == null ? "" : value));
        }
        System.out.println(b.append('}'));
        System.out.flush();
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: CuratorLatch HOSTS PATH ID");
            System.exit(2);
        }
        int status = 0;
        CuratorFramework client = CuratorFrameworkFactory.newClient(args[0], 15000, 10000, new RetryOneTime(200));
        try {
            client.start();
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not connected to " + args[0] + " within 30 s");
            }
            emit("ready", null, null);
            LeaderLatch latch = new LeaderLatch(client, args[1], args[2], LeaderLatch.CloseMode.SILENT);
            latch.addListener(new LeaderLatchListener() {
                @Override
                public void isLeader() {
                    emit("leader", "path", latch.getOurPath());
                }

                @Override
                public void notLeader() {
                    emit("notleader", null, null);
                }
            });
            latch.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            boolean open = true;
            for (String line; (line = in.readLine()) != null; ) {
                switch (line.trim()) {
                case "who":
                    emit("who", "id", latch.getLeader().getId());
                    break;
                case "close":
                    if (open) {
                        latch.close();
                        open = false;
                    }
                    emit("closed", null, null);
                    break;
                default:
                    throw new IllegalArgumentException("unknown command " + quote(line));
                }
            }
            if (open) {
                latch.close();
            }
        } catch (Exception e) {
            emit("fault", "error", String.valueOf(e));
            e.printStackTrace();
            status = 1;
        } finally {
            client.close();
        }
        System.exit(status);
    }
}
