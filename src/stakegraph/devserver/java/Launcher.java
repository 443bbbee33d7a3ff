/*
 * Local Neo4j 5.26 Community server for stakegraph development and tests.
 *
 * Starts an embedded DatabaseManagementService with the Bolt connector enabled on
 * 127.0.0.1, authentication disabled, and data/log directories under a given home
 * directory (settings are written to HOME/conf/neo4j.conf on every start). Prints one line starting with "STAKEGRAPH_NEO4J_READY" once the default
 * database is available, and shuts the DBMS down cleanly on SIGTERM/SIGINT.
 *
 * Run (Java single-file source mode, no build step):
 *
 *   java <JVM flags> -cp '<lib>/*' Launcher.java --home DIR --port 7687
 *
 * or compiled once with javac and started as "java -cp '<classes>:<lib>/*' Launcher".
 * cli/neo4j_server.py does the latter and caches the classes next to the jars.
 *
 * Options:
 *   --home DIR          server home; data in DIR/data, logs in DIR/logs (required)
 *   --port N            Bolt port on 127.0.0.1 (default 7687)
 *   --pagecache SIZE    page cache size (default 512m)
 *   --tx-total-max SIZE dbms.memory.transaction.total.max (default 1g)
 *   --tx-max SIZE       db.memory.transaction.max (default 512m)
 *   --set KEY=VALUE     any further Neo4j setting (repeatable)
 *   --watch-pid PID     exit (cleanly) when process PID is gone; used by the test
 *                       fixture so that a killed test run does not leave a server
 *
 * Development and tests only: no authentication, no TLS, loopback interface only.
 */

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.Version;

public final class Launcher {

    /** Marker printed on stdout once Bolt serves the default database. */
    static final String READY = "STAKEGRAPH_NEO4J_READY";

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        Path home = null;
        int port = 7687;
        String pageCache = "512m";
        String txTotalMax = "1g";
        String txMax = "512m";
        long watchPid = -1;
        Map<String, String> extra = new LinkedHashMap<>();

        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--home" -> home = Path.of(need(args, ++i, a)).toAbsolutePath();
                case "--port" -> port = Integer.parseInt(need(args, ++i, a));
                case "--pagecache" -> pageCache = need(args, ++i, a);
                case "--tx-total-max" -> txTotalMax = need(args, ++i, a);
                case "--tx-max" -> txMax = need(args, ++i, a);
                case "--set" -> {
                    String kv = need(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        usage("--set expects KEY=VALUE, got: " + kv);
                    }
                    extra.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case "--watch-pid" -> watchPid = Long.parseLong(need(args, ++i, a));
                case "-h", "--help" -> {
                    usage(null);
                }
                default -> usage("unknown argument: " + a);
            }
        }
        if (home == null) {
            usage("--home is required");
        }
        if (port < 1 || port > 65535) {
            usage("--port out of range: " + port);
        }

        Files.createDirectories(home);
        Path data = home.resolve("data");
        Path logs = home.resolve("logs");
        Path plugins = home.resolve("plugins");
        Files.createDirectories(data);
        Files.createDirectories(logs);
        Files.createDirectories(plugins);

        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("server.directories.data", data.toString());
        cfg.put("server.directories.logs", logs.toString());
        cfg.put("server.directories.plugins", plugins.toString());
        cfg.put("server.bolt.enabled", "true");
        cfg.put("server.bolt.listen_address", "127.0.0.1:" + port);
        cfg.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        cfg.put("server.bolt.tls_level", "DISABLED");
        cfg.put("dbms.security.auth_enabled", "false");
        cfg.put("server.memory.pagecache.size", pageCache);
        cfg.put("dbms.memory.transaction.total.max", txTotalMax);
        cfg.put("db.memory.transaction.max", txMax);
        cfg.put("db.tx_log.preallocate", "false");
        cfg.put("dbms.usage_report.enabled", "false");
        // Bolt's Netty shutdown waits 2 x 5 s by default; nobody else uses this
        // server, so stop it within a second (SIGTERM to exit in ~0.5 s).
        cfg.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        cfg.put("internal.dbms.bolt.netty_server_shutdown_timeout", "2");
        cfg.put("internal.server.bolt.thread_pool_shutdown_wait_time", "1s");
        cfg.put("internal.server.bolt.connection_shutdown_wait_time", "1s");
        cfg.putAll(extra);

        // The 5.26 builder has no raw-string setter, so the settings are written to
        // HOME/conf/neo4j.conf (regenerated on every start) and loaded from there.
        // Strict validation stays on: a misspelt setting fails the start loudly.
        Path conf = home.resolve("conf").resolve("neo4j.conf");
        Files.createDirectories(conf.getParent());
        StringBuilder text = new StringBuilder(
                "# Generated by tools/neo4j/Launcher.java on every start; edits are lost.\n");
        cfg.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(conf, text.toString());

        long t0 = System.nanoTime();
        log("starting Neo4j embedded: home=" + home + " bolt=127.0.0.1:" + port);
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .loadPropertiesFromFile(conf)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            log("shutdown requested, stopping Neo4j");
            try {
                dbms.shutdown();
                log("Neo4j stopped");
            } catch (RuntimeException e) {
                log("error during shutdown: " + e);
            } finally {
                stopped.countDown();
            }
        }, "stakegraph-neo4j-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(5).toMillis())) {
            log("default database did not become available");
            System.exit(3);
        }
        String version = Version.getNeo4jVersion();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.println(READY + " uri=bolt://127.0.0.1:" + port + " version=" + version
                + " pid=" + ProcessHandle.current().pid() + " started_ms=" + ms);
        System.out.flush();

        if (watchPid > 0) {
            watch(watchPid);
        }

        // Block the main thread until the shutdown hook has run.
        stopped.await();
    }

    /** Exit through the shutdown hook once process {@code pid} has ended. */
    private static void watch(long pid) {
        Thread t = new Thread(() -> {
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            log("watched process " + pid + " is gone, exiting");
            System.exit(0);
        }, "stakegraph-neo4j-watch");
        t.setDaemon(true);
        t.start();
    }

    private static String need(String[] args, int i, String opt) {
        if (i >= args.length) {
            usage(opt + " needs a value");
        }
        return args[i];
    }

    private static void usage(String error) {
        if (error != null) {
            System.err.println("Launcher: " + error);
        }
        System.err.println("usage: java -cp '<lib>/*' Launcher.java --home DIR [--port N]"
                + " [--pagecache 512m] [--tx-total-max 1g] [--tx-max 512m] [--set KEY=VALUE]..."
                + " [--watch-pid PID]");
        System.exit(error == null ? 0 : 2);
    }

    private static void log(String msg) {
        System.out.println("[launcher] " + msg);
        System.out.flush();
    }
}
