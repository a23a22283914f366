package org.canister.daemon.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.canister.core.fs.PsTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Hidden: the training run for the JDK AOT cache made at build time. It walks the client code paths
 * (command parsing, help, reading and rendering a {@code ps} control file) on a scratch directory, so
 * their classes are loaded, linked and profiled into {@code canister.aot}.
 */
@Command(name = "aot-train", hidden = true, description = "Training run for the AOT cache (build time only).")
public final class AotTrainCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("canister-aot");
        PrintStream realOut = System.out;
        PrintStream realErr = System.err;
        try {
            StringBuilder sb = new StringBuilder(PsTable.HEADER).append('\n');
            for (int i = 1; i <= 300; i++) {
                sb.append(i).append('\t').append(i == 1 ? 0 : Math.max(1, i / 3)).append('\t')
                        .append(i % 7 == 0 ? 1000 : 0).append("\tproc").append(i).append('\t')
                        .append(i % 5 == 0 ? i + ",^2" : "").append("\t4026531841\t/system.slice/x").append(i)
                        .append(".service\n");
            }
            Files.writeString(dir.resolve("ps"), sb.toString());
            System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            for (int round = 0; round < 20; round++) {
                FastPath.tryRun(new String[] {"ps", "--mount", dir.toString()});
                FastPath.tryRun(new String[] {"ps", "--raw", "--mount=" + dir});
                new CommandLine(new Main()).execute("ps", "--mount", dir.toString());
                new CommandLine(new Main()).execute("--version");
                // the hook on a mount no daemon serves: parses the state, fails on the missing file
                java.io.InputStream realIn = System.in;
                System.setIn(new java.io.ByteArrayInputStream(("{\"ociVersion\":\"1.0.2\",\"id\":\"train" + round
                        + "\",\"status\":\"creating\",\"pid\":1,\"bundle\":\"/tmp\",\"annotations\":"
                        + "{\"org.canister.contid\":\"42\"}}").getBytes(StandardCharsets.UTF_8)));
                try {
                    FastPath.tryRun(new String[] {"oci-hook", "--mount", dir.toString(), "createRuntime"});
                } finally {
                    System.setIn(realIn);
                }
            }
        } finally {
            System.setOut(realOut);
            System.setErr(realErr);
            Files.deleteIfExists(dir.resolve("ps"));
            Files.deleteIfExists(dir);
        }
        return 0;
    }
}
