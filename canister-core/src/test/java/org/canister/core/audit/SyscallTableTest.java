package org.canister.core.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyscallTableTest {

    @ParameterizedTest
    @CsvSource({"read, 0", "open, 2", "connect, 42", "execve, 59", "kill, 62", "ptrace, 101", "openat, 257",
        "execveat, 322", "bpf, 321", "clone3, 435", "set_mempolicy_home_node, 450"})
    void shouldKnowX8664Numbers(String name, int nr) {
        assertThat(SyscallTable.number(AuditArch.X86_64, name)).isEqualTo(nr);
        assertThat(SyscallTable.name(AuditArch.X86_64, nr)).isEqualTo(name);
    }

    @ParameterizedTest
    @CsvSource({"exit, 1", "open, 5", "execve, 11", "socketcall, 102", "openat, 295"})
    void shouldKnowI386Numbers(String name, int nr) {
        assertThat(SyscallTable.number(AuditArch.I386, name)).isEqualTo(nr);
    }

    /** Cross-check against the kernel's uapi numbers (linux-libc-dev), where installed. */
    @Test
    void shouldAgreeWithKernelUnistdHeaders() throws IOException {
        check(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), AuditArch.X86_64);
        check(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_32.h"), AuditArch.I386);
    }

    private static void check(Path header, AuditArch arch) throws IOException {
        assumeTrue(Files.isReadable(header), "linux-libc-dev not installed: " + header + " missing");
        Map<String, Integer> kernel = new HashMap<>();
        for (String line : Files.readAllLines(header)) {
            String[] w = line.trim().split("\\s+");
            if (w.length == 3 && w[0].equals("#define") && w[1].startsWith("__NR_")) {
                kernel.put(w[1].substring(5), Integer.parseInt(w[2]));
            }
        }
        int checked = 0;
        for (Map.Entry<String, Integer> e : kernel.entrySet()) {
            int ours = SyscallTable.number(arch, e.getKey());
            if (ours >= 0) {
                assertThat(ours).as("%s %s", arch, e.getKey()).isEqualTo(e.getValue());
                checked++;
            }
        }
        assertThat(checked).as("names shared with %s", header).isGreaterThan(300);
    }
}
