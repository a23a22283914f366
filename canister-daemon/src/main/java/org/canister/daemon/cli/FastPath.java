package org.canister.daemon.cli;

import java.nio.file.Path;

/**
 * Client commands on container-start hot paths, run without building picocli's command model.
 * Picocli is compiled for Java 5, so the JDK's AOT cache cannot hold its classes linked, and
 * building the model costs more than the whole command may take. Only the plain forms are handled
 * here; anything else (help, a mistyped option) returns {@code null} and goes through picocli,
 * which gives the usual usage message. Each handled form must behave exactly as its picocli twin.
 */
final class FastPath {
    private FastPath() {
    }

    /** The exit code when the command line was handled here, else null. */
    static Integer tryRun(String[] args) {
        if (args.length == 0 || !args[0].equals("ps")) {
            return null;
        }
        PsCommand ps = new PsCommand();
        ps.mount = Path.of("/run/canister/fs");
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--raw")) {
                ps.raw = true;
            } else if (a.equals("--mount") && i + 1 < args.length) {
                ps.mount = Path.of(args[++i]);
            } else if (a.startsWith("--mount=") && a.length() > "--mount=".length()) {
                ps.mount = Path.of(a.substring("--mount=".length()));
            } else {
                return null;
            }
        }
        return ps.call();
    }
}
