package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.canister.core.fs.PsTable;
import org.canister.daemon.Daemon;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.config.ConfigLoader;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.junit.jupiter.api.Assumptions;

/**
 * A real daemon on a fresh temporary mount, state and log directory, plus the processes a test
 * starts (all ended by pid at {@link #close()}), for the contid root tests.
 */
final class ContidRootFixture implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";

    final Path dir;
    final Path mount;
    final Path stateDir;
    final Path logDir;
    final ByteArrayOutputStream daemonLog = new ByteArrayOutputStream();
    private final List<Process> processes = new ArrayList<>();
    private final List<Orchestrator> orchestrators = new ArrayList<>();
    Daemon daemon;

    /** Skip (with the reason) unless root with FUSE; then start a daemon. */
    static ContidRootFixture start(Path dir) throws Exception {
        assumeRootAndFuse();
        ContidRootFixture f = new ContidRootFixture(dir);
        f.startDaemon();
        return f;
    }

    static void assumeRootAndFuse() {
        Assumptions.assumeTrue(Libc.geteuid() == 0, "needs root (proc connector, FUSE mount)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fusermount3")), "needs fusermount3 (apt-get install fuse3)");
    }

    ContidRootFixture(Path dir) throws IOException {
        this.dir = dir;
        // Other uids (the capcontid tests) must be able to walk to the mount.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.mount = dir.resolve("fs");
        this.stateDir = dir.resolve("state");
        this.logDir = dir.resolve("log");
    }

    CanisterConfig config() throws Exception {
        // Its own run dir (audit.sock) and no metrics port: another daemon on the machine must not matter.
        CanisterConfig c = new ConfigLoader().loadEmbedded().withDaemon(mount, stateDir, logDir)
                .withRunDir(dir.resolve("run")).withMetrics(new CanisterConfig.Metrics(0, null));
        // The audit router writes the contid records; no kernel audit link (these tests must not need the
        // audit daemon slot, which auditd or another test may hold).
        return c.withAudit(c.audit().withMode("off"));
    }

    void startDaemon() throws Exception {
        daemon = Daemon.start(config(), new PrintStream(daemonLog, true, StandardCharsets.UTF_8));
    }

    Path logFile() {
        return logDir.resolve("audit.log");
    }

    Path taskFile(long pid, String name) {
        return mount.resolve("proc").resolve(Long.toString(pid)).resolve(name);
    }

    /** A child of the test JVM, stdin a pipe. */
    Process spawn(String... argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** A scriptable orchestrator process (orchestrator.py), a child of the test JVM. */
    Orchestrator orchestrator() throws IOException {
        Path script = dir.resolve("orchestrator.py");
        if (!Files.exists(script)) {
            try (InputStream in = ContidRootFixture.class.getResourceAsStream("orchestrator.py")) {
                Files.write(script, in.readAllBytes());
            }
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        }
        Orchestrator o = new Orchestrator(new ProcessBuilder(PYTHON, "-u", script.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        orchestrators.add(o);
        return o;
    }

    /** Wait until the daemon lists {@code proc/<pid>}. */
    void awaitTracked(long pid) {
        Path p = mount.resolve("proc").resolve(Long.toString(pid));
        await(() -> Files.isDirectory(p), "process " + pid + " tracked by the daemon");
    }

    /** Wait until the daemon shows {@code threads} live threads in {@code proc/<pid>/task}. */
    void awaitThreads(long pid, int threads) {
        await(() -> {
            try (Stream<Path> s = Files.list(mount.resolve("proc").resolve(Long.toString(pid)).resolve("task"))) {
                return s.count() >= threads;
            } catch (IOException e) {
                return false;
            }
        }, threads + " threads of " + pid);
    }

    List<PsTable.Row> ps() throws IOException {
        return PsTable.parse(Files.readString(mount.resolve("ps")));
    }

    PsTable.Row psRow(long pid) throws IOException {
        for (PsTable.Row r : ps()) {
            if (r.pid() == pid) {
                return r;
            }
        }
        return null;
    }

    /** Children of {@code ppid} in the daemon's table. */
    List<PsTable.Row> childrenOf(long ppid) throws IOException {
        List<PsTable.Row> out = new ArrayList<>();
        for (PsTable.Row r : ps()) {
            if (r.ppid() == ppid) {
                out.add(r);
            }
        }
        return out;
    }

    /** One open and one write(2) as the test JVM: 0 or the errno. */
    static int write(Path file, String value) {
        try {
            int fd = Libc.open(file.toString(), Libc.O_WRONLY | Libc.O_CLOEXEC);
            try {
                byte[] b = value.getBytes(StandardCharsets.US_ASCII);
                Libc.write(fd, b, 0, b.length);
                return 0;
            } finally {
                Libc.close(fd);
            }
        } catch (ErrnoException e) {
            return e.errno();
        }
    }

    /** read(2) of a control file as the test JVM. */
    static String read(Path file) {
        int fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            byte[] b = new byte[256];
            int n = Libc.read(fd, b, 0, b.length);
            return new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
        } finally {
            Libc.close(fd);
        }
    }

    List<String> logLines() throws IOException {
        try {
            return Files.readAllLines(logFile());
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    /** Wait until some log line matches, and return the matching lines. */
    List<String> awaitLog(Predicate<String> match, String what) {
        List<List<String>> found = new ArrayList<>();
        await(() -> {
            List<String> m = logLines().stream().filter(match).toList();
            if (m.isEmpty()) {
                return false;
            }
            found.add(m);
            return true;
        }, "log line: " + what);
        return found.get(found.size() - 1);
    }

    List<String> logMatching(Predicate<String> match) throws IOException {
        return logLines().stream().filter(match).toList();
    }

    /** A condition that may throw. */
    interface Check {
        boolean test() throws Exception;
    }

    static void await(Check c, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                if (c.test()) {
                    return;
                }
            } catch (Exception e) {
                // retry until the deadline
            }
            assertThat(System.nanoTime() - deadline).as("timed out waiting for %s", what).isNegative();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    void killAndWait(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Ends every process this fixture started (by pid), then the daemon. */
    @Override
    public void close() {
        for (Orchestrator o : orchestrators) {
            o.close();
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            waitQuietly(p);
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    static void waitQuietly(Process p) {
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The orchestrator.py process. */
    static final class Orchestrator implements AutoCloseable {
        final Process process;
        private final OutputStream in;
        private final BufferedReader out;

        Orchestrator(Process process) {
            this.process = process;
            this.in = process.getOutputStream();
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        String send(String command) throws IOException {
            in.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IOException("orchestrator.py ended before answering " + command);
            }
            return line;
        }

        long pid() {
            return process.pid();
        }

        long spawn(String argv) throws IOException {
            String r = send("spawn " + argv);
            assertThat(r).startsWith("pid ");
            return Long.parseLong(r.substring(4));
        }

        /** 0 or the errno of the write. */
        int write(Path file, String value) throws IOException {
            String r = send("write " + file + " " + value);
            return r.equals("ok") ? 0 : Integer.parseInt(r.substring("errno ".length()));
        }

        @Override
        public void close() {
            try {
                in.write("quit\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                // already gone
            }
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            waitQuietly(process);
        }
    }
}
