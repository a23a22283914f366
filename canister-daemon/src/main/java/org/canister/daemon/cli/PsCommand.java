package org.canister.daemon.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.canister.core.fs.PsTable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code canister ps}: the daemon's process tree, read from the {@code ps} control file in one read. */
@Command(name = "ps", description = "Show the process tree the daemon tracks (pid, ppid, user, comm, contid, mnt ns, cgroup).")
public final class PsCommand implements Callable<Integer> {
    @Option(names = "--mount", description = "Control filesystem mount point (default ${DEFAULT-VALUE}).",
            defaultValue = "/run/canister/fs")
    Path mount;

    @Option(names = "--raw", description = "Print the control file as the daemon serves it (tab-separated).")
    boolean raw;

    @Override
    public Integer call() {
        Path file = mount.resolve("ps");
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            System.err.println("canister ps: no daemon is serving " + mount + " (start one with: ./canister run)");
            return 2;
        } catch (IOException e) {
            String msg = String.valueOf(e.getMessage());
            String errno = msg.contains("not connected") ? "ENOTCONN: " : "";
            System.err.println("canister ps: " + errno + "cannot read " + file + ": " + msg
                    + " (is the daemon still running? a crashed one leaves a dead mount: start ./canister run again)");
            return 2;
        }
        if (raw) {
            System.out.print(text);
            return 0;
        }
        System.out.print(PsTree.render(PsTable.parse(text), users()::get));
        return 0;
    }

    /** uid to name from /etc/passwd (no NSS: the command must stay fast); unknown uids print as numbers. */
    static Map<Integer, String> users() {
        Map<Integer, String> m = new HashMap<>() {
            private static final long serialVersionUID = 1L;

            @Override
            public String get(Object key) {
                String v = super.get(key);
                return v != null ? v : String.valueOf(key);
            }
        };
        try {
            for (String l : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] f = l.split(":", 4);
                if (f.length >= 3) {
                    try {
                        m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                    } catch (NumberFormatException ignored) {
                        // a malformed passwd line names nobody
                    }
                }
            }
        } catch (IOException ignored) {
            // no passwd: numeric uids
        }
        return m;
    }
}
