// What the Curator peers of coordkit's interop tests share (compiled with
// them by integration/interop_test.go): the connection, the event lines
// they print on stdout, and how they end.
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

final class CuratorPeer {
    private CuratorPeer() {}

    // Body is what a peer does once connected.
    interface Body {
        void run(CuratorFramework client) throws Exception;
    }

    // run connects to hosts, prints {"event": "ready"}, runs body, and
    // exits: with status 0 once body returns, or, on any error, after
    // printing {"event": "fault", "error"}, with status 1.
    static void run(String hosts, Body body) {
        int status = 0;
        CuratorFramework client = CuratorFrameworkFactory.newClient(hosts, 15000, 10000, new RetryOneTime(200));
        try {
            client.start();
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not connected to " + hosts + " within 30 s");
            }
            emit("ready");
            body.run(client);
        } catch (Exception e) {
            emit("fault", "error", String.valueOf(e));
            e.printStackTrace();
            status = 1;
        } finally {
            client.close();
        }
        System.exit(status);
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    static void emit(String event) {
        emit(event, null, null);
    }

    // emit prints one event with an optional string field. Listeners'
    // threads and the main thread may both print.
    static synchronized void emit(String event, String field, String value) {
        StringBuilder b = new StringBuilder("{\"event\": ").append(quote(event));
        if (field != null) {
            b.append(", ").append(quote(field)).append(": ").append(quote(value == null ? "" : value));
        }
        System.out.println(b.append('}'));
        System.out.flush();
    }
}
