package org.canister.core.sim;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;

import org.canister.core.task.Credentials;
import org.canister.core.task.Namespaces;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.canister.core.task.TaskTable;

/**
 * A seeded, deterministic stand-in for the kernel's process life: it generates what the proc
 * connector and {@code /proc} would report (fork, thread creation, exec, exit, exit_group, uid, gid
 * and comm changes, namespace changes like {@code unshare(2)} and cgroup moves, both seen as
 * {@link TaskEvent.Refresh}) and keeps its own ground truth of the live task tree, so a test can
 * compare a {@link TaskTable} with the truth after any number of events.
 *
 * <p>Kernel behaviour it reproduces, because the table must handle it:
 * <ul>
 *   <li>pids are allocated cyclically up to {@code pidMax} and wrap to 300 ({@code RESERVED_PIDS},
 *       kernel/pid.c), so tids are reused;</li>
 *   <li>start times are clock ticks since boot ({@code USER_HZ} = 100) from a monotonic fake clock;</li>
 *   <li>a leader may exit before its threads and stays listed as a zombie until the last one exits;</li>
 *   <li>{@code exit_group} exits the threads in random order (the leader is not always last);</li>
 *   <li>exec by a non-leader runs {@code de_thread()}: exits of the other threads and the leader,
 *       then the exec'ing thread takes the leader's pid and start time; its old tid vanishes silently;</li>
 *   <li>children of an ended process are re-parented to init (pid 1) without any event;</li>
 *   <li>setuid/setgid are process-wide (glibc's setxid broadcast): one event per thread;</li>
 *   <li>a fork event for a thread names the group's parent, as {@code task->real_parent} does.</li>
 * </ul>
 * Simplification, documented because the table makes the same one: a new thread copies its group
 * leader's identity. The kernel copies the creating thread's, which the fork event does not name.
 *
 * <p>With {@link Config#lossRate()} above 0 some events are dropped (truth still changes), like a
 * proc connector overrun; {@link #scan()} then gives what a {@code /proc} scan shows, for
 * {@link TaskTable#reconcile}. The operation sequence depends only on the seed, not on the loss rate.
 */
public final class SimulatedKernel {
    /** Operations the generator performs. */
    public enum Op {
        FORK_PROCESS, NEW_THREAD, EXEC, EXIT_THREAD, EXIT_GROUP, LEADER_EXIT, UID_CHANGE, GID_CHANGE,
        COMM_CHANGE, UNSHARE, CGROUP_MOVE
    }

    /**
     * Generator settings.
     *
     * @param initialTasks live tasks built silently at construction (seen only through {@link #scan()})
     * @param targetTasks  population the fork/exit balance steers towards
     * @param pidMax       highest pid ({@code /proc/sys/kernel/pid_max}); small values force reuse
     * @param threadShare  share of task creations that are threads rather than processes
     * @param lossRate     probability that an emitted event is dropped (proc connector overrun)
     * @param churnOnly    only fork, thread and exit operations (for fork+exit cost benchmarks)
     */
    public record Config(int initialTasks, int targetTasks, int pidMax, double threadShare, double lossRate,
                         boolean churnOnly) {
        public Config {
            if (initialTasks < 2 || targetTasks < 2) {
                throw new IllegalArgumentException("initialTasks and targetTasks must be >= 2 (init and kthreadd)");
            }
            if (pidMax < 2L * Math.max(initialTasks, targetTasks) + 1000) {
                throw new IllegalArgumentException("pidMax " + pidMax + " too small for " + targetTasks
                        + " tasks: use at least 2 * tasks + 1000 so the allocator always finds a free pid");
            }
            if (!(threadShare >= 0 && threadShare <= 1) || !(lossRate >= 0 && lossRate < 1)) {
                throw new IllegalArgumentException("threadShare must be in [0,1] and lossRate in [0,1)");
            }
        }

        /** A few hundred tasks growing to 2000, pid_max 32768 (reuse within 100k events), no loss. */
        public static Config defaults() {
            return new Config(300, 2000, 32_768, 0.3, 0.0, false);
        }

        /** This config with another loss rate. */
        public Config withLossRate(double rate) {
            return new Config(initialTasks, targetTasks, pidMax, threadShare, rate, churnOnly);
        }

        /** A churn-only config holding about {@code tasks} live tasks (benchmarks). */
        public static Config churn(int tasks) {
            // PID_MAX_LIMIT is 4194304 on 64-bit (include/linux/threads.h); 4x headroom below that.
            int pidMax = (int) Math.min(4_194_304L, Math.max(32_768L, Long.highestOneBit(4L * tasks + 1000) << 1));
            return new Config(tasks, tasks, pidMax, 0.3, 0.0, true);
        }
    }

    /** Clock ticks per second of {@code /proc/<pid>/stat} times ({@code USER_HZ}). */
    public static final long USER_HZ = 100;
    private static final long NS_PER_TICK = 1_000_000_000L / USER_HZ;
    private static final int RESERVED_PIDS = 300;

    private static final long FULL_CAPS = 0x1ff_ffff_ffffL;
    private static final int[] UIDS = {0, 0, 0, 1000, 1001, 33, 65534, 100000, 100999, 997};
    private static final String[] COMMS = {"bash", "sleep", "java", "nginx", "sshd", "containerd-shim",
        "runc", "python3", "postgres", "worker", "cron", "dbus-daemon", "node", "redis-server", "sh", "cat"};
    private static final String[] EXES = {"/usr/bin/bash", "/usr/bin/sleep", "/usr/lib/jvm/bin/java",
        "/usr/sbin/nginx", "/usr/sbin/sshd", "/usr/bin/containerd-shim-runc-v2", "/usr/sbin/runc",
        "/usr/bin/python3.13", "/usr/lib/postgresql/17/bin/postgres", "/opt/app/worker", "/usr/sbin/cron",
        "/usr/bin/dbus-daemon", "/usr/bin/node", "/usr/bin/redis-server", "/usr/bin/dash", "/usr/bin/cat"};
    private static final String[] CGROUPS;

    static {
        List<String> cg = new ArrayList<>(List.of("/init.scope", "/system.slice/sshd.service",
                "/system.slice/cron.service", "/system.slice/containerd.service", "/user.slice/user-1000.slice/session-3.scope"));
        for (int i = 0; i < 40; i++) {
            cg.add("/system.slice/docker-" + Integer.toHexString(0x5eed00 + i * 7919) + ".scope");
        }
        CGROUPS = cg.toArray(new String[0]);
    }

    private static final Namespaces INIT_NS = new Namespaces(4026531841L, 4026531840L, 4026531836L, 4026531837L,
            4026531838L, 4026531839L, 4026531835L);

    private final long seed;
    private final Config config;
    private final Random random;
    private final Random lossRandom;
    private final SimTask[] byPid;
    private final Bag alive = new Bag(Bag.ALIVE);
    private final Bag groups = new Bag(Bag.GROUP);
    private final Map<Op, Long> opCounts = new EnumMap<>(Op.class);
    private long nowNs = 1_000_000_000_000L; // 1000 s after boot
    private int lastPid = 2;
    private long nextNsInode = 4026540000L;
    private long emitted;
    private long dropped;
    private Consumer<TaskEvent> sink;

    /** A kernel with {@link Config#defaults()}. */
    public SimulatedKernel(long seed) {
        this(seed, Config.defaults());
    }

    /** A kernel with the given settings; the initial population is built silently. */
    public SimulatedKernel(long seed, Config config) {
        this.seed = seed;
        this.config = Objects.requireNonNull(config, "config");
        this.random = new Random(seed);
        this.lossRandom = new Random(seed ^ 0x10557L);
        this.byPid = new SimTask[config.pidMax() + 1];
        SimTask init = new SimTask(1, 1, 0, ticks(), rootCreds(), INIT_NS, "/init.scope", "systemd",
                "/usr/lib/systemd/systemd");
        register(init);
        SimTask kthreadd = new SimTask(2, 2, 0, ticks(), rootCreds(), INIT_NS, "/", "kthreadd", "");
        register(kthreadd);
        growTo(config.initialTasks());
    }

    // ------------------------------------------------------------------------------------------
    // Driving

    /** The seed this kernel was built with (print it when a property test fails). */
    public long seed() {
        return seed;
    }

    /** The settings. */
    public Config config() {
        return config;
    }

    /** The fake CLOCK_MONOTONIC time of the latest operation. */
    public long nowNs() {
        return nowNs;
    }

    /** Events generated and delivered so far. */
    public long emittedEvents() {
        return emitted;
    }

    /** Events generated and dropped (loss rate) so far. */
    public long droppedEvents() {
        return dropped;
    }

    /** How many times each operation ran. */
    public Map<Op, Long> opCounts() {
        return Collections.unmodifiableMap(opCounts);
    }

    /**
     * Runs operations until at least {@code minEvents} events were generated (delivered or dropped),
     * stopping at an operation boundary so the truth matches what was delivered.
     *
     * @return events delivered to {@code out}
     */
    public long run(long minEvents, Consumer<TaskEvent> out) {
        long before = emitted;
        long generated = 0;
        while (generated < minEvents) {
            long e0 = emitted + dropped;
            step(out);
            generated += emitted + dropped - e0;
        }
        return emitted - before;
    }

    /** Runs one operation; returns the number of events delivered to {@code out} (may be 0). */
    public int step(Consumer<TaskEvent> out) {
        this.sink = Objects.requireNonNull(out, "out");
        long before = emitted;
        nowNs += 1_000 + random.nextInt(100_000);
        Op op = chooseOp();
        boolean done = switch (op) {
            case FORK_PROCESS -> forkProcess();
            case NEW_THREAD -> newThread();
            case EXEC -> exec();
            case EXIT_THREAD -> exitThread();
            case EXIT_GROUP -> exitGroup();
            case LEADER_EXIT -> leaderExit();
            case UID_CHANGE -> uidChange();
            case GID_CHANGE -> gidChange();
            case COMM_CHANGE -> commChange();
            case UNSHARE -> unshare();
            case CGROUP_MOVE -> cgroupMove();
        };
        if (done) {
            opCounts.merge(op, 1L, Long::sum);
        }
        this.sink = null;
        return (int) (emitted - before);
    }

    /**
     * Silently (no events) forks processes and threads until {@code tasks} tasks are live: the
     * population a table then learns from {@link #scan()}.
     */
    public void growTo(int tasks) {
        Consumer<TaskEvent> previous = sink;
        sink = null;
        while (alive.size < tasks) {
            nowNs += 1_000 + random.nextInt(10_000);
            if (random.nextDouble() < config.threadShare() && alive.size > 2) {
                newThread();
            } else {
                forkProcess();
            }
        }
        sink = previous;
    }

    private Op chooseOp() {
        if (!config.churnOnly() && random.nextInt(100) < 24) {
            int r = random.nextInt(24);
            if (r < 8) {
                return Op.EXEC;
            } else if (r < 11) {
                return Op.UID_CHANGE;
            } else if (r < 13) {
                return Op.GID_CHANGE;
            } else if (r < 18) {
                return Op.COMM_CHANGE;
            } else if (r < 21) {
                return Op.UNSHARE;
            }
            return Op.CGROUP_MOVE;
        }
        boolean create = random.nextDouble() < (alive.size < config.targetTasks() ? 0.6 : 0.4);
        if (create) {
            return random.nextDouble() < config.threadShare() ? Op.NEW_THREAD : Op.FORK_PROCESS;
        }
        int r = random.nextInt(10);
        return r < 5 ? Op.EXIT_GROUP : r < 9 ? Op.EXIT_THREAD : Op.LEADER_EXIT;
    }

    // ------------------------------------------------------------------------------------------
    // Operations (each returns false when it found nothing to act on)

    private boolean forkProcess() {
        SimTask parent = alive.get(random.nextInt(alive.size));
        int pid = allocPid();
        SimTask child = new SimTask(pid, pid, parent.tgid, ticks(), parent.creds, parent.ns, parent.cgroup,
                parent.comm, parent.exe);
        register(child);
        emit(new TaskEvent.Fork(nowNs, parent.tid, parent.tgid, pid, pid, child.startTime));
        return true;
    }

    private boolean newThread() {
        SimTask creator = alive.get(random.nextInt(alive.size));
        SimTask leader = byPid[creator.tgid];
        if (leader.tid <= 2) {
            return false; // keep init and kthreadd single-threaded
        }
        int tid = allocPid();
        SimTask th = new SimTask(tid, leader.tgid, leader.ppid, ticks(), leader.creds, leader.ns, leader.cgroup,
                leader.comm, leader.exe);
        register(th);
        // proc_fork_connector reports task->real_parent, for a thread its group's parent.
        emit(new TaskEvent.Fork(nowNs, leader.ppid, leader.ppid, tid, leader.tgid, th.startTime));
        return true;
    }

    private boolean exec() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        SimTask leader = byPid[t.tgid];
        for (SimTask other : leader.threadList()) {
            if (other != t) {
                emit(new TaskEvent.Exit(nowNs, other.tid, other.tgid, 9));
                removeThread(other);
            }
        }
        if (t != leader) {
            if (!leader.exited) {
                emit(new TaskEvent.Exit(nowNs, leader.tid, leader.tgid, 9));
                markLeaderExited(leader);
            }
            // de_thread(): t takes the leader's pid and start time; its own tid goes without an event.
            removeThread(t);
            leader.exited = false;
            alive.add(leader);
            leader.creds = t.creds;
            leader.ns = t.ns;
            leader.cgroup = t.cgroup;
        }
        int pick = random.nextInt(COMMS.length);
        leader.comm = COMMS[pick];
        leader.exe = EXES[pick];
        emit(new TaskEvent.Exec(nowNs, leader.tid, leader.tgid));
        emit(new TaskEvent.Refresh(nowNs, snapshot(leader)));
        return true;
    }

    private boolean exitThread() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        if (t.isLeader()) {
            if (t.threads == null || t.threads.size == 0) {
                return exitGroupOf(t);
            }
            t = t.threads.get(random.nextInt(t.threads.size));
        }
        emit(new TaskEvent.Exit(nowNs, t.tid, t.tgid, 0));
        SimTask leader = byPid[t.tgid];
        removeThread(t);
        if (leader.exited && leader.threads.size == 0) {
            endGroup(leader);
        }
        return true;
    }

    private boolean exitGroup() {
        SimTask t = randomUserTask();
        return t != null && exitGroupOf(byPid[t.tgid]);
    }

    private boolean exitGroupOf(SimTask leader) {
        List<SimTask> members = leader.threadList();
        if (!leader.exited) {
            members.add(leader);
        }
        Collections.shuffle(members, random);
        for (SimTask m : members) {
            emit(new TaskEvent.Exit(nowNs, m.tid, m.tgid, 0));
            if (m == leader) {
                markLeaderExited(leader);
            } else {
                removeThread(m);
            }
        }
        endGroup(leader);
        return true;
    }

    private boolean leaderExit() {
        for (int tries = 0; tries < 8; tries++) {
            SimTask t = randomUserTask();
            if (t == null) {
                return false;
            }
            SimTask leader = byPid[t.tgid];
            if (!leader.exited && leader.threads != null && leader.threads.size > 0) {
                emit(new TaskEvent.Exit(nowNs, leader.tid, leader.tgid, 0));
                markLeaderExited(leader);
                return true;
            }
        }
        return false;
    }

    private boolean uidChange() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        int uid = UIDS[random.nextInt(UIDS.length)];
        for (SimTask m : liveMembers(byPid[t.tgid])) {
            Credentials c = m.creds;
            m.creds = new Credentials(uid, uid, c.gid(), c.egid(), c.capEff(), c.capBnd());
            emit(new TaskEvent.UidChange(nowNs, m.tid, m.tgid, uid, uid));
        }
        return true;
    }

    private boolean gidChange() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        int gid = UIDS[random.nextInt(UIDS.length)];
        for (SimTask m : liveMembers(byPid[t.tgid])) {
            Credentials c = m.creds;
            m.creds = new Credentials(c.uid(), c.euid(), gid, gid, c.capEff(), c.capBnd());
            emit(new TaskEvent.GidChange(nowNs, m.tid, m.tgid, gid, gid));
        }
        return true;
    }

    private boolean commChange() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        t.comm = random.nextBoolean() ? COMMS[random.nextInt(COMMS.length)] : "worker-" + random.nextInt(8);
        emit(new TaskEvent.CommChange(nowNs, t.tid, t.tgid, fresh(t.comm)));
        return true;
    }

    private boolean unshare() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        // unshare(2) changes the calling task's nsproxy only; CLONE_NEWPID affects children, so not pid.
        Namespaces n = t.ns;
        int which = 1 + random.nextInt(63);
        t.ns = new Namespaces(
                (which & 1) != 0 ? nextNsInode++ : n.mnt(),
                (which & 2) != 0 ? nextNsInode++ : n.net(),
                n.pid(),
                (which & 4) != 0 ? nextNsInode++ : n.user(),
                (which & 8) != 0 ? nextNsInode++ : n.uts(),
                (which & 16) != 0 ? nextNsInode++ : n.ipc(),
                (which & 32) != 0 ? nextNsInode++ : n.cgroup());
        emit(new TaskEvent.Refresh(nowNs, snapshot(t)));
        return true;
    }

    private boolean cgroupMove() {
        SimTask t = randomUserTask();
        if (t == null) {
            return false;
        }
        // cgroup v2 moves whole processes (cgroup.procs): every thread goes along.
        String cg = CGROUPS[random.nextInt(CGROUPS.length)];
        for (SimTask m : liveMembers(byPid[t.tgid])) {
            m.cgroup = cg;
            emit(new TaskEvent.Refresh(nowNs, snapshot(m)));
        }
        return true;
    }

    // ------------------------------------------------------------------------------------------
    // Truth bookkeeping

    private SimTask randomUserTask() {
        for (int tries = 0; tries < 16; tries++) {
            SimTask t = alive.get(random.nextInt(alive.size));
            if (t.tgid > 2) {
                return t;
            }
        }
        return null;
    }

    private void register(SimTask t) {
        byPid[t.tid] = t;
        alive.add(t);
        if (t.isLeader()) {
            groups.add(t);
            SimTask parent = t.ppid > 0 ? byPid[t.ppid] : null;
            if (parent != null) {
                parent.children().add(t);
            }
        } else {
            byPid[t.tgid].threadBag().add(t);
        }
    }

    private void removeThread(SimTask t) {
        byPid[t.tid] = null;
        alive.remove(t);
        byPid[t.tgid].threads.remove(t);
    }

    private void markLeaderExited(SimTask leader) {
        leader.exited = true;
        alive.remove(leader);
    }

    /** Last task of the group gone: unlist the leader, re-parent its children to init (no event). */
    private void endGroup(SimTask leader) {
        byPid[leader.tid] = null;
        groups.remove(leader);
        if (leader.ppid > 0 && byPid[leader.ppid] != null) {
            byPid[leader.ppid].children.remove(leader);
        }
        if (leader.children != null) {
            SimTask init = byPid[1];
            for (int i = leader.children.size - 1; i >= 0; i--) {
                SimTask c = leader.children.get(i);
                leader.children.remove(c);
                c.ppid = 1;
                init.children().add(c);
            }
        }
    }

    private List<SimTask> liveMembers(SimTask leader) {
        List<SimTask> m = leader.threadList();
        if (!leader.exited) {
            m.add(leader);
        }
        return m;
    }

    private int allocPid() {
        for (int n = 0; n < config.pidMax(); n++) {
            int p = lastPid + 1;
            if (p > config.pidMax()) {
                p = RESERVED_PIDS;
            }
            lastPid = p;
            if (byPid[p] == null) {
                return p;
            }
        }
        throw new IllegalStateException("pid space exhausted: pidMax " + config.pidMax() + " too small");
    }

    private long ticks() {
        return nowNs / NS_PER_TICK;
    }

    private void emit(TaskEvent e) {
        if (sink == null) {
            return;
        }
        if (config.lossRate() > 0 && lossRandom.nextDouble() < config.lossRate()) {
            dropped++;
            return;
        }
        emitted++;
        sink.accept(e);
    }

    private static Credentials rootCreds() {
        return new Credentials(0, 0, 0, 0, FULL_CAPS, FULL_CAPS);
    }

    /** A new String object, as a decoder reading bytes would produce (so interning is exercised). */
    private static String fresh(String s) {
        return new String(s.toCharArray());
    }

    private TaskSnapshot snapshot(SimTask t) {
        int ppid = byPid[t.tgid] != null ? byPid[t.tgid].ppid : t.ppid;
        return new TaskSnapshot(t.tid, t.tgid, ppid, t.startTime, t.creds, t.ns, fresh(t.cgroup), fresh(t.comm),
                fresh(t.exe), t.exited);
    }

    // ------------------------------------------------------------------------------------------
    // Observing the truth

    /**
     * What a full {@code /proc} scan shows now: every live task and every exited leader whose group
     * still runs (state Z), leaders before their threads, in pid order.
     */
    public List<TaskSnapshot> scan() {
        List<TaskSnapshot> out = new ArrayList<>(alive.size + 16);
        for (SimTask leader : sortedGroups()) {
            out.add(snapshot(leader));
            if (leader.threads != null) {
                SimTask[] ths = Arrays.copyOf(leader.threads.items, leader.threads.size);
                Arrays.sort(ths, (a, b) -> Integer.compare(a.tid, b.tid));
                for (SimTask th : ths) {
                    out.add(snapshot(th));
                }
            }
        }
        return out;
    }

    private SimTask[] sortedGroups() {
        SimTask[] gs = Arrays.copyOf(groups.items, groups.size);
        Arrays.sort(gs, (a, b) -> Integer.compare(a.tid, b.tid));
        return gs;
    }

    /** Tids of all live (not exited) tasks, in no particular order. */
    public int[] liveTids() {
        int[] out = new int[alive.size];
        for (int i = 0; i < alive.size; i++) {
            out[i] = alive.items[i].tid;
        }
        return out;
    }

    /** Live (not exited) tasks in the truth. */
    public int liveTaskCount() {
        return alive.size;
    }

    /** Thread groups in the truth (including those whose leader exited while threads run). */
    public int liveProcessCount() {
        return groups.size;
    }

    /** The truth's parent of a live process, or -1 when there is no such process. */
    public int parentOf(int tgid) {
        SimTask t = tgid > 0 && tgid < byPid.length ? byPid[tgid] : null;
        return t != null && t.isLeader() ? t.ppid : -1;
    }

    /**
     * Where {@code table} differs from the truth: live set, thread groups, tgid, parent links,
     * start time, identity, child and thread counts, and no extra (leaked) task or group.
     *
     * @param limit at most this many lines
     * @return one line per difference, empty when the table equals the truth
     */
    public List<String> differences(TaskTable table, int limit) {
        List<String> d = new ArrayList<>();
        if (table.liveTaskCount() != alive.size) {
            d.add("live tasks: table " + table.liveTaskCount() + ", truth " + alive.size);
        }
        if (table.liveProcessCount() != groups.size) {
            d.add("live processes: table " + table.liveProcessCount() + ", truth " + groups.size);
        }
        for (SimTask leader : sortedGroups()) {
            if (d.size() >= limit) {
                return d;
            }
            Task p = table.process(leader.tid);
            if (p == null) {
                d.add("process " + leader.tid + " missing");
                continue;
            }
            if (p.isAlive() == leader.exited) {
                d.add("process " + leader.tid + " leader alive: table " + p.isAlive() + ", truth " + !leader.exited);
            }
            if (p.ppid() != leader.ppid) {
                d.add("process " + leader.tid + " ppid: table " + p.ppid() + ", truth " + leader.ppid);
            }
            int truthThreads = (leader.exited ? 0 : 1) + (leader.threads == null ? 0 : leader.threads.size);
            if (p.liveThreads() != truthThreads) {
                d.add("process " + leader.tid + " live threads: table " + p.liveThreads() + ", truth " + truthThreads);
            }
            int truthChildren = leader.children == null ? 0 : leader.children.size;
            if (p.liveChildren() != truthChildren) {
                d.add("process " + leader.tid + " live children: table " + p.liveChildren() + ", truth " + truthChildren);
            }
            if (!leader.exited) {
                compareTask(table, leader, d);
            }
            if (leader.threads != null) {
                for (int i = 0; i < leader.threads.size; i++) {
                    compareTask(table, leader.threads.get(i), d);
                }
            }
            int[] counted = {0};
            table.forEachThread(leader.tid, t -> {
                counted[0]++;
                SimTask s = byPid[t.tid()];
                if (s == null || s.tgid != leader.tid || s.exited) {
                    d.add("thread " + t.tid() + " listed in group " + leader.tid + " but not live there in truth");
                }
            });
            if (counted[0] != truthThreads) {
                d.add("process " + leader.tid + " forEachThread saw " + counted[0] + ", truth " + truthThreads);
            }
        }
        table.forEachProcess(p -> {
            SimTask s = byPid[p.tgid()];
            if (s == null || !s.isLeader()) {
                d.add("process " + p.tgid() + " in table but not in truth (leak)");
            }
        });
        return d.size() > limit ? d.subList(0, limit) : d;
    }

    private static void compareTask(TaskTable table, SimTask s, List<String> d) {
        Task t = table.task(s.tid);
        if (t == null) {
            d.add("task " + s.tid + " (tgid " + s.tgid + ") missing");
            return;
        }
        StringBuilder sb = new StringBuilder();
        if (t.tgid() != s.tgid) {
            sb.append(" tgid ").append(t.tgid()).append("!=").append(s.tgid);
        }
        if (t.startTime() != s.startTime) {
            sb.append(" start ").append(t.startTime()).append("!=").append(s.startTime);
        }
        if (!t.creds().equals(s.creds)) {
            sb.append(" creds ").append(t.creds()).append("!=").append(s.creds);
        }
        if (!t.ns().equals(s.ns)) {
            sb.append(" ns ").append(t.ns()).append("!=").append(s.ns);
        }
        if (!t.cgroup().equals(s.cgroup)) {
            sb.append(" cgroup ").append(t.cgroup()).append("!=").append(s.cgroup);
        }
        if (!t.comm().equals(s.comm)) {
            sb.append(" comm ").append(t.comm()).append("!=").append(s.comm);
        }
        if (!t.exe().equals(s.exe)) {
            sb.append(" exe ").append(t.exe()).append("!=").append(s.exe);
        }
        if (!sb.isEmpty()) {
            d.add("task " + s.tid + ":" + sb);
        }
    }

    // ------------------------------------------------------------------------------------------

    private static final class SimTask {
        final int tid;
        final int tgid;
        /** Leaders only: the parent's tgid. */
        int ppid;
        final long startTime;
        Credentials creds;
        Namespaces ns;
        String cgroup;
        String comm;
        String exe;
        /** A leader that exited while threads of its group run. */
        boolean exited;
        Bag threads;
        Bag children;
        final int[] slot = {-1, -1, -1, -1};

        SimTask(int tid, int tgid, int ppid, long startTime, Credentials creds, Namespaces ns, String cgroup,
                String comm, String exe) {
            this.tid = tid;
            this.tgid = tgid;
            this.ppid = ppid;
            this.startTime = startTime;
            this.creds = creds;
            this.ns = ns;
            this.cgroup = cgroup;
            this.comm = comm;
            this.exe = exe;
        }

        boolean isLeader() {
            return tid == tgid;
        }

        Bag threadBag() {
            if (threads == null) {
                threads = new Bag(Bag.THREAD);
            }
            return threads;
        }

        Bag children() {
            if (children == null) {
                children = new Bag(Bag.CHILD);
            }
            return children;
        }

        List<SimTask> threadList() {
            List<SimTask> l = new ArrayList<>();
            if (threads != null) {
                l.addAll(Arrays.asList(threads.items).subList(0, threads.size));
            }
            return l;
        }
    }

    /** An unordered set with O(1) add, remove and random pick; each task remembers its slot. */
    private static final class Bag {
        static final int ALIVE = 0;
        static final int GROUP = 1;
        static final int THREAD = 2;
        static final int CHILD = 3;
        final int kind;
        SimTask[] items = new SimTask[4];
        int size;

        Bag(int kind) {
            this.kind = kind;
        }

        void add(SimTask t) {
            if (size == items.length) {
                items = Arrays.copyOf(items, size * 2);
            }
            items[size] = t;
            t.slot[kind] = size++;
        }

        void remove(SimTask t) {
            int i = t.slot[kind];
            if (i < 0 || i >= size || items[i] != t) {
                throw new IllegalStateException("simulator bookkeeping broken for task " + t.tid);
            }
            SimTask last = items[--size];
            items[i] = last;
            last.slot[kind] = i;
            items[size] = null;
            t.slot[kind] = -1;
        }

        SimTask get(int i) {
            return items[i];
        }
    }
}
