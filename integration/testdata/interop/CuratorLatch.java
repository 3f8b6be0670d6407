// A participant in Curator's LeaderLatch, for coordkit's interop tests
// (integration/interop_test.go compiles it with javac, with
// CuratorPeer.java and CuratorLock.java, against Debian's Curator and ZooKeeper jars).
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

import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;

public final class CuratorLatch {
    private CuratorLatch() {}

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: CuratorLatch HOSTS PATH ID");
            System.exit(2);
        }
        CuratorPeer.run(args[0], client -> {
            LeaderLatch latch = new LeaderLatch(client, args[1], args[2], LeaderLatch.CloseMode.SILENT);
            latch.addListener(new LeaderLatchListener() {
                @Override
                public void isLeader() {
                    CuratorPeer.emit("leader", "path", latch.getOurPath());
                }

                @Override
                public void notLeader() {
                    CuratorPeer.emit("notleader");
                }
            });
            latch.start();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            boolean open = true;
            for (String line; (line = in.readLine()) != null; ) {
                switch (line.trim()) {
                case "who":
                    CuratorPeer.emit("who", "id", latch.getLeader().getId());
                    break;
                case "close":
                    if (open) {
                        latch.close();
                        open = false;
                    }
                    CuratorPeer.emit("closed");
                    break;
                default:
                    throw new IllegalArgumentException("unknown command " + CuratorPeer.quote(line));
                }
            }
            if (open) {
                latch.close();
            }
        });
    }
}
