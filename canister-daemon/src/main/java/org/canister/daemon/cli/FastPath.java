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
        if (args.length == 0) {
            return null;
        }
        return switch (args[0]) {
            case "ps" -> ps(args);
            case "oci-hook" -> ociHook(args);
            default -> null;
        };
    }

    private static Integer ps(String[] args) {
        PsCommand ps = new PsCommand();
        ps.mount = Path.of("/run/canister/fs");
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--raw")) {
                ps.raw = true;
            } else if (mountOption(args, i) != null) {
                ps.mount = mountOption(args, i);
                i += a.contains("=") ? 0 : 1;
            } else {
                return null;
            }
        }
        return ps.call();
    }

    /** {@code oci-hook [--mount DIR] [--timeout-ms N] [STAGE]}: the runtime calls this at every container start. */
    private static Integer ociHook(String[] args) {
        OciHookCommand hook = new OciHookCommand();
        hook.mount = Path.of("/run/canister/fs");
        hook.timeoutMs = 5000;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (mountOption(args, i) != null) {
                hook.mount = mountOption(args, i);
                i += a.contains("=") ? 0 : 1;
            } else if (a.equals("--timeout-ms") && i + 1 < args.length && isNumber(args[i + 1])) {
                hook.timeoutMs = Long.parseLong(args[++i]);
            } else if (!a.startsWith("-") && hook.stage == null) {
                hook.stage = a;
            } else {
                return null;
            }
        }
        try {
            return hook.call();
        } catch (java.io.IOException e) {
            System.err.println("canister oci-hook: " + e.getMessage());
            return 2;
        }
    }

    private static Path mountOption(String[] args, int i) {
        String a = args[i];
        if (a.equals("--mount") && i + 1 < args.length) {
            return Path.of(args[i + 1]);
        }
        if (a.startsWith("--mount=") && a.length() > "--mount=".length()) {
            return Path.of(a.substring("--mount=".length()));
        }
        return null;
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }
}
