package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.canister.core.fs.PsTable;
import org.canister.daemon.cli.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code runc run -d} busybox container with Canister's hooks installed by
 * {@code canister oci-config}: the createRuntime hook labels the container's init, every process it
 * forks inherits the ID, and {@code runc delete} runs the poststop hook after the drop record was
 * written once. Needs root, FUSE, runc and busybox-static (apt-get install runc busybox-static).
 */
@Tag("root")
class RuncHookRootTest {
    private static final Path RUNC = Path.of("/usr/sbin/runc");
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    @TempDir
    Path dir;
    private ContidRootFixture f;
    private Path runcRoot;
    private final List<String> containers = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void start() throws Exception {
        ContidRootFixture.assumeRootAndFuse();
        Assumptions.assumeTrue(Files.isExecutable(RUNC), "needs runc (apt-get install runc)");
        Assumptions.assumeTrue(Files.isExecutable(BUSYBOX) && isStatic(BUSYBOX),
                "needs a static /bin/busybox (apt-get install busybox-static)");
        f = ContidRootFixture.start(dir);
        runcRoot = dir.resolve("runc-root");
    }

    @AfterEach
    void stop() throws Exception {
        for (String id : containers) {
            if (runcRoot != null) {
                run(RUNC.toString(), "--root", runcRoot.toString(), "delete", "-f", id);
            }
        }
        if (f != null) {
            f.close();
        }
    }

    private static boolean isStatic(Path exe) throws IOException {
        // A static ELF has no PT_INTERP; the string of the dynamic loader is a good enough proxy.
        return !new String(Files.readAllBytes(exe), StandardCharsets.ISO_8859_1).contains("/lib64/ld-linux");
    }

    /** A busybox bundle whose process is {@code sh -c <script>}, with Canister's hooks added by oci-config. */
    private Path bundle(String name, String script, String contidAnnotation) throws Exception {
        Path b = dir.resolve(name);
        Path bin = b.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "cat")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (String d : List.of("proc", "dev", "sys", "tmp")) {
            Files.createDirectories(b.resolve("rootfs").resolve(d));
        }
        assertThat(run(new ProcessBuilder(RUNC.toString(), "spec").directory(b.toFile()))).isZero();
        ObjectNode cfg = (ObjectNode) json.readTree(b.resolve("config.json").toFile());
        ObjectNode process = (ObjectNode) cfg.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        args.add("sh").add("-c").add(script);
        json.writeValue(b.resolve("config.json").toFile(), cfg);

        List<String> cmd = new ArrayList<>(List.of("oci-config", b.toString(), "--mount", f.mount.toString(),
                "--canister", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--canister-arg", "--enable-native-access=ALL-UNNAMED", "--canister-arg", "-XX:TieredStopAtLevel=1",
                "--canister-arg", "-cp", "--canister-arg", System.getProperty("java.class.path"),
                "--canister-arg", Main.class.getName()));
        if (contidAnnotation != null) {
            cmd.add("--contid");
            cmd.add(contidAnnotation);
        }
        assertThat(Main.execute(cmd.toArray(String[]::new))).isZero();
        JsonNode hooks = json.readTree(b.resolve("config.json").toFile()).get("hooks");
        assertThat(hooks.get("createRuntime")).hasSize(1);
        assertThat(hooks.get("poststop")).hasSize(1);
        return b;
    }

    private int runc(Path bundle, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(RUNC.toString(), "--root", runcRoot.toString()));
        cmd.addAll(List.of(args));
        return run(new ProcessBuilder(cmd).directory(bundle.toFile()));
    }

    private int run(String... cmd) throws Exception {
        return run(new ProcessBuilder(cmd));
    }

    private int run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile(dir, "cmd", ".out");
        Process p = pb.redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s did not finish", pb.command()).isTrue();
        lastOutput = Files.readString(out);
        return p.exitValue();
    }

    private String lastOutput = "";

    private JsonNode state(String id) throws Exception {
        Process p = new ProcessBuilder(RUNC.toString(), "--root", runcRoot.toString(), "state", id).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return json.readTree(out);
    }

    private String uniqueId(String prefix) {
        return prefix + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    @Test
    void shouldLabelTheContainerAndItsChildrenAndDropOnceAfterItExits() throws Exception {
        String id = uniqueId("canister-hash");
        Path b = bundle("hash", "sleep 4 & sleep 4 & wait", null);
        String contid = Long.toUnsignedString(OciState.hash(id));
        containers.add(id);

        assertThat(runc(b, "run", "-d", id)).as(lastOutput).isZero();
        int init = state(id).get("pid").asInt();
        assertThat(init).isPositive();

        // The set was the runtime's: the record names runc as the orchestrator.
        List<String> set = f.awaitLog(s -> s.contains(" op=set opid=" + init + " contid=" + contid + " "), "set of " + init);
        assertThat(set).hasSize(1);
        assertThat(set.get(0)).contains(" old-contid=-1 ").contains(" comm=\"runc\" ").endsWith(" res=1 errno=0");
        assertThat(ContidRootFixture.read(f.taskFile(init, ContidService.CONTAINERID_FILE))).isEqualTo(contid);
        ContidRootFixture.await(() -> f.childrenOf(init).size() == 2, "the two sleeps the container's sh forked");
        for (PsTable.Row r : f.childrenOf(init)) {
            assertThat(r.comm()).isEqualTo("sleep");
            assertThat(r.contid()).as("child %d of the container's init", r.pid()).isEqualTo(contid);
        }
        assertThat(f.psRow(init).contid()).isEqualTo(contid);
        assertThat(f.daemon.statusJson()).as("set through audit_containerid_runtime, for runc")
                .contains("\"contid_runtime_sets\" : 1");
        assertThat(ContidRootFixture.read(f.mount.resolve(ContidService.CONTAINERS_FILE)))
                .containsPattern(contid + "\t" + contid + "\t\\d+:\\d+\t3\t0\tlive");

        ContidRootFixture.await(() -> "stopped".equals(state(id).path("status").asText()), "container " + id + " stopped");
        assertThat(runc(b, "delete", id)).as("runc delete runs the poststop hook: %s", lastOutput).isZero();
        containers.remove(id);

        List<String> drops = f.logMatching(s -> s.contains(" op=drop ") && s.contains(" old-contid=" + contid + " "));
        assertThat(drops).as("the poststop hook returned only after the drop").hasSize(1);
        assertThat(drops.get(0)).contains(" contid=-1 ").endsWith(" res=1");
        Thread.sleep(300);
        assertThat(f.logMatching(s -> s.contains(" op=drop ") && s.contains(" old-contid=" + contid + " "))).hasSize(1);
    }

    @Test
    void shouldUseTheAnnotationAndAbortTheStartWhenTheIdIsTaken() throws Exception {
        String taken = Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 60));
        // The test JVM owns `taken` through a labelled child of its own.
        Process holder = f.spawn("sleep", "60");
        f.awaitTracked(holder.pid());
        assertThat(ContidRootFixture.write(f.taskFile(holder.pid(), ContidService.CONTAINERID_FILE), taken)).isZero();

        String id = uniqueId("canister-taken");
        Path b = bundle("taken", "sleep 4", taken);
        containers.add(id);
        assertThat(runc(b, "run", "-d", id)).as("the createRuntime hook must abort the start").isNotZero();
        assertThat(lastOutput).contains("ENOTUNIQ");
        System.out.println("runc run with a taken ID: " + lastOutput.strip());
        assertThat(f.awaitLog(s -> s.contains(" contid=" + taken + " ") && s.endsWith(" res=0 errno=76"),
                "the refused set")).hasSize(1);

        // With a free ID from the annotation the same bundle runs labelled.
        String free = Long.toString(Long.parseLong(taken) + 1);
        String id2 = uniqueId("canister-free");
        Path b2 = bundle("free", "sleep 2", free);
        containers.add(id2);
        assertThat(runc(b2, "run", "-d", id2)).as(lastOutput).isZero();
        int init = state(id2).get("pid").asInt();
        assertThat(ContidRootFixture.read(f.taskFile(init, ContidService.CONTAINERID_FILE))).isEqualTo(free);
    }
}
