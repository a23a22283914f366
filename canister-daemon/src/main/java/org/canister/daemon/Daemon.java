package org.canister.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import org.canister.core.fs.ControlFs;
import org.canister.core.fs.ProcDirectory;
import org.canister.core.fs.PsTable;
import org.canister.core.fs.SnapshotFile;
import org.canister.core.fs.StaticDirectory;
import org.canister.core.task.TaskTable;
import org.canister.core.contid.StampSource;
import org.canister.daemon.agent.AgentRunner;
import org.canister.daemon.audit.AuditService;
import org.canister.daemon.audit.ContidEventSink;
import org.canister.daemon.audit.DaemonStamps;
import org.canister.daemon.cli.Main;
import org.canister.daemon.config.CanisterConfig;
import org.canister.daemon.contid.ContidService;
import org.canister.daemon.doctor.Doctor;
import org.canister.daemon.doctor.Facility;
import org.canister.daemon.fuse.FuseServer;
import org.canister.daemon.tracking.ProcTrackerAgent;
import org.canister.linux.ErrnoException;
import org.canister.linux.Libc;
import org.canister.linux.proc.ProcConnector;
import org.canister.linux.proc.ProcFs;

/**
 * The running daemon: wires the kernel sources to the pure model and the model to the control
 * filesystem. {@link #start} either returns a fully running daemon or fails with a
 * {@link StartupException} after undoing whatever it had set up; {@link #close} is idempotent and
 * undoes everything (agents stopped, filesystem unmounted, kernel settings restored).
 */
public final class Daemon implements AutoCloseable {
    private final CanisterConfig config;
    private final PrintStream log;
    private final ReentrantLock modelLock = new ReentrantLock();
    private final TaskTable tasks;
    private final long startNanos = System.nanoTime();
    private final long startMillis = System.currentTimeMillis();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private volatile List<Facility> facilities = List.of();
    private ProcTrackerAgent tracker;
    private AgentRunner trackerRunner;
    private FuseServer fuse;
    private ContidService contid;
    /** Daemon event stamps, shared by the contid registry and the audit pipeline (guarded by modelLock). */
    private final StampSource stamps = new StampSource();
    private AuditService audit;
    private boolean closing;

    /** A start that cannot go on: one sentence naming the cause and the fix. */
    public static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupException(String message) {
            super(message);
        }
    }

    private Daemon(CanisterConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
        this.tasks = new TaskTable(config.tasks().tombstoneGraceSeconds() * 1_000_000_000L);
    }

    /** Checks the preconditions, opens the kernel sources, seeds the model, mounts the filesystem. */
    public static Daemon start(CanisterConfig config, PrintStream log) throws StartupException {
        preflight(Libc.geteuid(), Path.of("/dev/fuse"));
        Daemon d = new Daemon(config, log);
        try {
            d.startAll();
            return d;
        } catch (StartupException e) {
            d.close();
            throw e;
        } catch (ErrnoException e) {
            d.close();
            throw new StartupException("start failed: " + e.getMessage() + "; run 'canister doctor' to see which "
                    + "kernel facility is missing");
        } catch (org.canister.core.CanisterException e) {
            d.close();
            throw new StartupException(e.errno() + ": " + e.getMessage());
        } catch (IllegalStateException | IllegalArgumentException e) {
            // a component refused with a sentence of its own (a socket in use, a bad rules file)
            d.close();
            throw new StartupException(e.getMessage());
        } catch (RuntimeException e) {
            d.close();
            throw new StartupException("start failed (" + e + "); run 'canister doctor' to see which kernel "
                    + "facility is missing, and report this message if it looks like a bug");
        }
    }

    /** The checks before anything is opened: root, and a FUSE device to serve the filesystem on. */
    static void preflight(int euid, Path devFuse) throws StartupException {
        if (euid != 0) {
            throw new StartupException("canister run must run as root (it opens the kernel proc connector and "
                    + "mounts a FUSE filesystem); run it as root, e.g. sudo ./canister run");
        }
        if (!Files.exists(devFuse)) {
            throw new StartupException(devFuse + " does not exist, so the control filesystem cannot be served; "
                    + "load the module with 'modprobe fuse' (or run on a machine with FUSE)");
        }
    }

    private void startAll() throws StartupException {
        facilities = Doctor.probeAll();
        ProcConnector connector;
        try {
            connector = ProcConnector.open();
        } catch (ErrnoException e) {
            throw new StartupException("the kernel refused the proc connector (" + e.call() + ": " + e.errnoName()
                    + "); Canister needs a kernel with CONFIG_PROC_EVENTS and must run as root in the initial "
                    + "network namespace");
        }
        ProcFs procFs = new ProcFs();
        CanisterConfig.Tasks tc = config.tasks();
        tracker = new ProcTrackerAgent(connector, procFs, tasks, modelLock,
                java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(tc.execReadDelayMs()),
                java.util.concurrent.TimeUnit.MICROSECONDS.toNanos(tc.batchDelayUs()));
        int boost = config.audit().priorityBoost();
        tracker.onThreadStart(() -> org.canister.daemon.audit.Priority.boost(boost, "proc tracker", log));
        org.canister.daemon.audit.Priority.boostJvmThreads(boost, log);
        // The connector is open before the scan: events racing with it wait in the socket.
        tracker.seed(System.nanoTime());
        // The audit writer first (the registry's restart drops go through it), then the registry between
        // seed and live events, then the kernel audit reader, which annotates from both.
        audit = AuditService.open(config, DaemonStamps.of(stamps, modelLock), log);
        contid = ContidService.start(config, tasks, modelLock, log, stamps,
                ContidEventSink.of(audit.router(), audit.hostLogFile()));
        contid.refreshWriterWith(tracker::refreshNow);
        audit.startKernel(tasks, modelLock, contid.registry(), tracker.progress()::caughtUpTo);
        trackerRunner = new AgentRunner(tracker, 0, this::agentError).start();

        ProcDirectory proc = new ProcDirectory(tasks, modelLock);
        PsTable ps = new PsTable(tasks, modelLock);
        contid.install(proc, ps);
        StaticDirectory root = StaticDirectory.builder()
                .put("status", SnapshotFile.readOnly(this::statusJson))
                .put("ps", SnapshotFile.readOnly(ps))
                .put("proc", proc)
                .put(ContidService.CONTAINERS_FILE, contid.containersFile())
                .build();
        // FuseServer creates the mount point itself, after clearing a dead mount a crashed daemon left
        // there (stat on it fails with ENOTCONN, so nothing may touch the path before that).
        Path mount = config.daemon().mount();
        try {
            fuse = FuseServer.mount(new ControlFs(root), mount);
        } catch (org.canister.core.CanisterException e) {
            throw new StartupException("cannot serve the control filesystem at " + mount + " (" + e.errno() + "): "
                    + e.getMessage());
        }
        log.println("canister: serving " + mount + " (" + liveProcesses() + " processes tracked)");
    }

    private void agentError(Throwable t) {
        log.println("canister: agent error: " + t);
    }

    private int liveProcesses() {
        modelLock.lock();
        try {
            return tasks.liveProcessCount();
        } finally {
            modelLock.unlock();
        }
    }

    /** The {@code status} file: version, uptime, kernel facilities, counters. */
    public String statusJson() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("version", Main.VERSION);
        s.put("pid", ProcessHandle.current().pid());
        s.put("started_at_ms", startMillis);
        s.put("uptime_seconds", (System.nanoTime() - startNanos) / 1_000_000_000L);
        s.put("mount", config.daemon().mount().toString());
        Map<String, Object> kernel = new LinkedHashMap<>();
        for (Facility f : facilities) {
            kernel.put(f.name(), Map.of("works", f.works(), "detail", f.detail()));
        }
        s.put("kernel", kernel);
        Map<String, Object> counters = new LinkedHashMap<>();
        modelLock.lock();
        try {
            counters.put("live_processes", tasks.liveProcessCount());
            counters.put("live_tasks", tasks.liveTaskCount());
            counters.put("task_table", tasks.stats());
            counters.put("duplicate_forks", tasks.duplicateForks());
            counters.put("early_exits_matched", tasks.earlyExitsMatched());
        } finally {
            modelLock.unlock();
        }
        if (tracker != null) {
            counters.put("proc_events", tracker.events());
            counters.put("proc_connector_overruns", tracker.overruns());
            counters.put("proc_rescans", tracker.rescans());
            counters.put("proc_read_misses", tracker.procReadMisses());
            counters.put("exec_reads", tracker.execReadsDone());
            counters.put("exec_reads_cancelled", tracker.execReadsCancelled());
        }
        if (trackerRunner != null) {
            counters.put("agent_errors", trackerRunner.errors());
        }
        if (contid != null) {
            contid.addCounters(counters);
        }
        if (audit != null) {
            audit.addCounters(counters);
        }
        s.put("counters", counters);
        try {
            return json.writeValueAsString(s) + "\n";
        } catch (JsonProcessingException e) {
            return "{\"error\": \"status could not be rendered\"}\n";
        }
    }

    /** Blocks until {@link #close} has run (from a signal's shutdown hook). */
    public void awaitClose() throws InterruptedException {
        closed.await();
    }

    @Override
    public synchronized void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            if (fuse != null) {
                fuse.close();
            }
        } catch (Exception e) {
            log.println("canister: unmount failed: " + e.getMessage());
        }
        if (trackerRunner != null) {
            trackerRunner.close(); // the agent closes the connector on its own thread
        } else if (tracker != null) {
            tracker.close();
        }
        if (audit != null) {
            audit.stopKernel();
        }
        if (contid != null) {
            contid.close();
        }
        if (audit != null) {
            audit.close();
        }
        closed.countDown();
    }

    /** For tests: the model under its lock. */
    public TaskTable tasksForTest() {
        return tasks;
    }

    /** Audit container IDs (registry, files, log, state); null before start completed. */
    public ContidService contid() {
        return contid;
    }

    /** The audit pipeline; null before start completed. */
    public AuditService audit() {
        return audit;
    }

    public ReentrantLock modelLock() {
        return modelLock;
    }
}
