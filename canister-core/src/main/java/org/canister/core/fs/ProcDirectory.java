package org.canister.core.fs;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.task.Task;
import org.canister.core.task.TaskTable;

/**
 * {@code proc/}: one directory per live process of the {@link TaskTable}, named by its decimal pid.
 *
 * <p>Rules taken from procfs ({@code fs/proc/base.c}):
 * <ul>
 *   <li>the listing holds exactly the live thread-group leaders ({@code proc_pid_readdir} walks
 *       {@code PIDTYPE_TGID}); threads are not listed,</li>
 *   <li>a lookup accepts any live tid, a thread included ({@code proc_pid_lookup}), so
 *       {@code proc/<tid>/} names that thread; names with a sign, leading zeros or other characters are
 *       not pids ({@code name_to_int}),</li>
 *   <li>{@code proc/<pid>/task/} lists the live threads of the group and {@code proc/<pid>/task/<tid>/}
 *       accepts only threads of that group ({@code proc_task_lookup}),</li>
 *   <li>a process whose leader thread exited while other threads run is still listed and found under
 *       its tgid, as in procfs (the kernel keeps the leader, {@code delay_group_leader()}),</li>
 *   <li>a directory whose task exited (or whose pid now names another incarnation) is gone: ENOENT.</li>
 * </ul>
 * Per-task files come from the registered {@link TaskFileProvider}s and appear in both
 * {@code proc/<pid>/} and {@code proc/<pid>/task/<tid>/}.
 *
 * <p>The table is read under the daemon's model lock, held only while the table is read.
 */
public final class ProcDirectory implements DirNode {
    /** The subdirectory listing a group's threads. */
    public static final String TASK_DIR = "task";

    private final TaskTable tasks;
    private final Lock lock;
    private final List<TaskFileProvider> providers = new CopyOnWriteArrayList<>();

    /**
     * @param tasks the model
     * @param lock  the lock under which the daemon mutates {@code tasks}
     */
    public ProcDirectory(TaskTable tasks, Lock lock) {
        this.tasks = Objects.requireNonNull(tasks, "tasks");
        this.lock = Objects.requireNonNull(lock, "lock");
    }

    /**
     * Add a per-task file to every {@code proc/<pid>/} and {@code proc/<pid>/task/<tid>/}. Safe to call
     * while the filesystem is served.
     *
     * @throws IllegalArgumentException for a name that is invalid, {@value #TASK_DIR}, or already registered
     */
    public synchronized void addTaskFile(TaskFileProvider provider) {
        String name = provider.name();
        if (name == null || name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.equals(TASK_DIR) || name.length() > ControlFs.NAME_MAX) {
            throw new IllegalArgumentException("invalid per-task file name: '" + name + "'");
        }
        for (TaskFileProvider p : providers) {
            if (p.name().equals(name)) {
                throw new IllegalArgumentException("per-task file registered twice: " + name);
            }
        }
        providers.add(provider);
    }

    /** Names of the registered per-task files, in registration order. */
    public List<String> taskFileNames() {
        List<String> names = new ArrayList<>(providers.size());
        for (TaskFileProvider p : providers) {
            names.add(p.name());
        }
        return names;
    }

    @Override
    public List<String> list() {
        int[] pids;
        lock.lock();
        try {
            IntList acc = new IntList(tasks.liveProcessCount());
            tasks.forEachProcess(t -> acc.add(t.tid()));
            pids = acc.sorted();
        } finally {
            lock.unlock();
        }
        return names(pids);
    }

    @Override
    public Node lookup(String name) {
        int tid = parsePid(name);
        if (tid <= 0) {
            return null;
        }
        TaskRef ref = live(tid);
        return ref == null ? null : new PidDirectory(ref);
    }

    /**
     * The decimal pid a directory name denotes, or -1: like procfs {@code name_to_int}, only plain
     * digits without leading zeros, within 1..2^31-1.
     */
    public static int parsePid(String name) {
        int n = name.length();
        if (n == 0 || n > 10 || (n > 1 && name.charAt(0) == '0')) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value > Integer.MAX_VALUE ? -1 : (int) value;
    }

    /** The live task with this tid as a reference, or null. */
    private TaskRef live(int tid) {
        lock.lock();
        try {
            Task t = present(tid);
            return t == null ? null : TaskRef.of(t);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The task a {@code proc/<tid>} directory shows: a live task, or the exited leader of a group that
     * still has live threads. Call under the lock.
     */
    private Task present(int tid) {
        Task t = tasks.task(tid);
        return t != null ? t : tasks.process(tid);
    }

    private boolean alive(TaskRef ref) {
        lock.lock();
        try {
            return ref.sameIncarnation(present(ref.tid()));
        } finally {
            lock.unlock();
        }
    }

    private void requireAlive(TaskRef ref) {
        if (!alive(ref)) {
            throw new CanisterException(Errno.ENOENT, "process " + ref.tid() + " has exited");
        }
    }

    private Node taskFile(TaskRef ref, String name) {
        for (TaskFileProvider p : providers) {
            if (p.name().equals(name)) {
                return alive(ref) ? p.file(ref) : null;
            }
        }
        return null;
    }

    private List<String> fileNames(boolean withTaskDir) {
        List<String> names = new ArrayList<>(providers.size() + 1);
        if (withTaskDir) {
            names.add(TASK_DIR);
        }
        for (TaskFileProvider p : providers) {
            names.add(p.name());
        }
        return names;
    }

    private static List<String> names(int[] ids) {
        List<String> names = new ArrayList<>(ids.length);
        for (int id : ids) {
            names.add(Integer.toString(id));
        }
        return names;
    }

    /** {@code proc/<tid>/}: the task's files and {@code task/}. */
    private final class PidDirectory implements DirNode {
        private final TaskRef ref;

        PidDirectory(TaskRef ref) {
            this.ref = ref;
        }

        @Override
        public List<String> list() {
            requireAlive(ref);
            return fileNames(true);
        }

        @Override
        public Node lookup(String name) {
            if (name.equals(TASK_DIR)) {
                return alive(ref) ? new ThreadsDirectory(ref) : null;
            }
            return taskFile(ref, name);
        }
    }

    /** {@code proc/<pid>/task/}: the live threads of the group. */
    private final class ThreadsDirectory implements DirNode {
        private final TaskRef owner;

        ThreadsDirectory(TaskRef owner) {
            this.owner = owner;
        }

        @Override
        public List<String> list() {
            int[] tids;
            lock.lock();
            try {
                if (!owner.sameIncarnation(present(owner.tid()))) {
                    throw new CanisterException(Errno.ENOENT, "process " + owner.tid() + " has exited");
                }
                IntList acc = new IntList(8);
                tasks.forEachThread(owner.tgid(), t -> {
                    if (t.isAlive()) {
                        acc.add(t.tid());
                    }
                });
                tids = acc.sorted();
            } finally {
                lock.unlock();
            }
            return names(tids);
        }

        @Override
        public Node lookup(String name) {
            int tid = parsePid(name);
            if (tid <= 0) {
                return null;
            }
            lock.lock();
            try {
                Task t = tasks.task(tid);
                if (t == null || !t.isAlive() || t.tgid() != owner.tgid()) {
                    return null;
                }
                return new ThreadDirectory(TaskRef.of(t));
            } finally {
                lock.unlock();
            }
        }
    }

    /** {@code proc/<pid>/task/<tid>/}: the thread's files (no nested {@code task/}, as in procfs). */
    private final class ThreadDirectory implements DirNode {
        private final TaskRef ref;

        ThreadDirectory(TaskRef ref) {
            this.ref = ref;
        }

        @Override
        public List<String> list() {
            requireAlive(ref);
            return fileNames(false);
        }

        @Override
        public Node lookup(String name) {
            return taskFile(ref, name);
        }
    }

    /** A growable int array, so listing 100k pids does not box 100k Integers. */
    private static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(capacity, 4)];
        }

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = v;
        }

        int[] sorted() {
            int[] r = Arrays.copyOf(a, n);
            Arrays.sort(r);
            return r;
        }
    }
}
