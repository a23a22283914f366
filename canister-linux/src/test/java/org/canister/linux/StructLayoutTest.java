package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.PaddingLayout;
import java.lang.foreign.StructLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.canister.linux.proc.CnProc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the hand-written bindings honest: a C file is generated from the Java layouts and constants,
 * compiled with gcc against the installed headers (linux-libc-dev, libc6-dev, libfuse3-dev), and every
 * {@code offsetof}, {@code sizeof} and constant value it prints must equal the Java side. A Java member
 * whose name does not exist in C fails the compile, and so fails the test.
 *
 * <p>Skips, naming what is missing, when gcc or the headers are absent (CI installs them).
 */
class StructLayoutTest {

    private static final List<String> KERNEL_HEADERS = List.of("stddef.h", "stdio.h", "fcntl.h", "poll.h",
            "sys/socket.h", "sys/uio.h", "sys/syscall.h", "linux/netlink.h", "linux/connector.h",
            "linux/cn_proc.h", "linux/fanotify.h", "linux/audit.h", "sys/resource.h");

    @TempDir
    Path dir;

    @Test
    void kernelStructLayoutsAndConstantsMatchTheCHeaders() throws Exception {
        Map<String, Long> c = compileAndRun("kernel", KERNEL_HEADERS, List.of(), Structs.kernelStructs(),
                List.of(Libc.class, CnProc.class));
        Map<String, Long> java = javaFacts(Structs.kernelStructs(), List.of(Libc.class, CnProc.class));
        assertThat(java).hasSizeGreaterThan(150);
        assertThat(differences(c, java)).as("C headers vs Java layouts and constants").isEmpty();
    }

    @Test
    void fuseContextLayoutMatchesLibfuse3Header() throws Exception {
        assumeTrue(Files.exists(Path.of("/usr/include/fuse3/fuse.h")),
                "libfuse3 headers missing: apt-get install libfuse3-dev");
        Map<String, Long> c = compileAndRun("fuse", List.of("stddef.h", "stdio.h", "fuse.h"),
                List.of("-DFUSE_USE_VERSION=31", "-D_FILE_OFFSET_BITS=64", "-I/usr/include/fuse3"),
                Structs.fuseStructs(), List.of());
        Map<String, Long> java = javaFacts(Structs.fuseStructs(), List.of());
        assertThat(differences(c, java)).as("libfuse3 header vs Java layout").isEmpty();
        // The offsets the design document states, so a change in both C and Java is still noticed.
        assertThat(java).containsEntry("offset struct fuse_context uid", 8L)
                .containsEntry("offset struct fuse_context gid", 12L)
                .containsEntry("offset struct fuse_context pid", 16L)
                .containsEntry("offset struct fuse_context private_data", 24L)
                .containsEntry("offset struct fuse_context umask", 32L)
                .containsEntry("sizeof struct fuse_context", 40L);
    }

    /** One line per fact on which C and Java disagree (or that only one side has). */
    private static List<String> differences(Map<String, Long> c, Map<String, Long> java) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : java.entrySet()) {
            Long inC = c.get(e.getKey());
            if (!e.getValue().equals(inC)) {
                out.add(e.getKey() + ": C " + inC + ", Java " + e.getValue());
            }
        }
        for (String key : c.keySet()) {
            if (!java.containsKey(key)) {
                out.add(key + ": only in C");
            }
        }
        return out;
    }

    /** What the Java side claims: offset and size of every named member (recursively), sizeof, constants. */
    private static Map<String, Long> javaFacts(List<StructLayout> structs, List<Class<?>> constantHolders)
            throws IllegalAccessException {
        Map<String, Long> facts = new LinkedHashMap<>();
        for (StructLayout s : structs) {
            String type = s.name().orElseThrow();
            facts.put("sizeof " + type, s.byteSize());
            for (Member m : members(s)) {
                facts.put("offset " + type + " " + m.path, m.offset);
                facts.put("size " + type + " " + m.path, m.size);
            }
        }
        for (Class<?> holder : constantHolders) {
            for (Field f : constants(holder)) {
                // C prints (long long)VALUE; an int constant is compared as its 32-bit pattern.
                facts.put("const " + f.getName(), f.getType() == int.class ? (long) f.getInt(null) : f.getLong(null));
            }
        }
        return facts;
    }

    private record Member(String path, long offset, long size) {
    }

    private static List<Member> members(GroupLayout group) {
        List<Member> out = new ArrayList<>();
        walk(group, "", 0, out);
        return out;
    }

    private static void walk(GroupLayout group, String prefix, long base, List<Member> out) {
        for (MemoryLayout m : group.memberLayouts()) {
            if (m instanceof PaddingLayout) {
                continue;
            }
            String name = m.name().orElseThrow(() -> new AssertionError("unnamed member in " + group));
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            long offset = base + group.byteOffset(PathElement.groupElement(name));
            out.add(new Member(path, offset, m.byteSize()));
            if (m instanceof GroupLayout sub) {
                walk(sub, path, offset, out);
            }
        }
    }

    private static List<Field> constants(Class<?> holder) {
        List<Field> out = new ArrayList<>();
        for (Field f : holder.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod)
                    && (f.getType() == int.class || f.getType() == long.class)) {
                out.add(f);
            }
        }
        return out;
    }

    /** Generates, compiles and runs the C program; returns what it printed, keyed like {@link #javaFacts}. */
    private Map<String, Long> compileAndRun(String name, List<String> headers, List<String> cflags,
            List<StructLayout> structs, List<Class<?>> constantHolders) throws Exception {
        assumeTrue(gccWorks(), "gcc is not installed: apt-get install gcc (needed to check struct layouts)");
        StringBuilder includes = new StringBuilder("#define _GNU_SOURCE\n");
        for (String h : headers) {
            includes.append("#include <").append(h).append(">\n");
        }
        // First the headers alone: if they do not compile, the machine lacks them (skip); if the
        // generated body then fails, the Java side names something C does not have (fail).
        Path probe = dir.resolve(name + "-headers.c");
        Files.writeString(probe, includes + "int main(void) { return 0; }\n");
        Result headersOnly = run(dir, gccCommand(probe, dir.resolve(name + "-headers"), cflags));
        assumeTrue(headersOnly.exit == 0, "C headers missing (apt-get install linux-libc-dev libfuse3-dev): "
                + headersOnly.output);

        StringBuilder body = new StringBuilder(includes).append("int main(void) {\n");
        for (StructLayout s : structs) {
            String type = s.name().orElseThrow();
            body.append("  printf(\"sizeof ").append(type).append(" %zu\\n\", sizeof(").append(type).append("));\n");
            for (Member m : members(s)) {
                body.append("  printf(\"offset ").append(type).append(' ').append(m.path)
                        .append(" %zu\\n\", offsetof(").append(type).append(", ").append(m.path).append("));\n");
                body.append("  printf(\"size ").append(type).append(' ').append(m.path)
                        .append(" %zu\\n\", sizeof(((").append(type).append(" *)0)->").append(m.path).append("));\n");
            }
        }
        for (Class<?> holder : constantHolders) {
            for (Field f : constants(holder)) {
                body.append("  printf(\"const ").append(f.getName()).append(" %lld\\n\", (long long)(")
                        .append(f.getName()).append("));\n");
            }
        }
        body.append("  return 0;\n}\n");
        Path source = dir.resolve(name + ".c");
        Files.writeString(source, body);
        Path exe = dir.resolve(name);
        Result compiled = run(dir, gccCommand(source, exe, cflags));
        assertThat(compiled.exit).as("gcc failed on the layouts generated from Java (%s):%n%s", source, compiled.output)
                .isZero();
        Result ran = run(dir, List.of(exe.toString()));
        assertThat(ran.exit).isZero();

        Map<String, Long> facts = new LinkedHashMap<>();
        for (String line : ran.output.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String key = line.substring(0, sp);
            long value = Long.parseLong(line.substring(sp + 1));
            if (key.startsWith("const ") && intConstant(key.substring(6), constantHolders)) {
                value = (int) value; // e.g. PROC_EVENT_EXIT = 0x80000000 is an unsigned enum in C
            }
            facts.put(key, value);
        }
        return facts;
    }

    private static boolean intConstant(String name, List<Class<?>> holders) {
        for (Class<?> h : holders) {
            try {
                return h.getDeclaredField(name).getType() == int.class;
            } catch (NoSuchFieldException e) {
                // try the next holder
            }
        }
        return false;
    }

    private static List<String> gccCommand(Path source, Path out, List<String> cflags) {
        List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu11", "-Wall", "-Werror", "-o", out.toString()));
        cmd.addAll(cflags);
        cmd.add(source.toString());
        return cmd;
    }

    private static boolean gccWorks() {
        try {
            return run(Path.of("."), List.of("gcc", "--version")).exit == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result run(Path cwd, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        }
    }
}
