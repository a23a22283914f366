package org.canister.daemon.doctor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Probes for user-space tools Canister drives (swtpm, evmctl, runc): present and answering --version. */
final class Tools {
    private Tools() {
    }

    static Facility version(String name, String binary, List<String> dirs, String versionFlag, String installHint) {
        Path found = null;
        for (String d : dirs) {
            Path p = Path.of(d, binary);
            if (Files.isExecutable(p)) {
                found = p;
                break;
            }
        }
        if (found == null) {
            return Facility.fails(name, binary + " not found in " + dirs + " (" + installHint + ")");
        }
        try {
            Process p = new ProcessBuilder(found.toString(), versionFlag).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Facility.fails(name, found + " " + versionFlag + " did not answer within 10 s");
            }
            String first = new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
            if (p.exitValue() != 0) {
                return Facility.fails(name, found + " " + versionFlag + " exited " + p.exitValue() + ": " + first);
            }
            return Facility.works(name, found + ": " + first);
        } catch (IOException e) {
            return Facility.fails(name, "cannot run " + found + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Facility.fails(name, "interrupted");
        }
    }

    static final List<String> PATH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
}
