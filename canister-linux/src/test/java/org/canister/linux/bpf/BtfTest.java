package org.canister.linux.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class BtfTest {
    /** Three types: 1 INT "int" (4 extra bytes), 2 STRUCT "s" with 2 members, 3 FUNC "target". */
    static byte[] sample() {
        byte[] strings = "\0int\0s\0a\0b\0target\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer t = ByteBuffer.allocate(12 + 4 + 12 + 24 + 12).order(ByteOrder.nativeOrder());
        t.putInt(1).putInt(1 << 24).putInt(4).putInt(0x20);              // INT int
        t.putInt(5).putInt((4 << 24) | 2).putInt(8);                       // STRUCT s, vlen 2
        t.putInt(7).putInt(1).putInt(0).putInt(9).putInt(1).putInt(32);    // members a, b
        t.putInt(11).putInt(12 << 24).putInt(0);                           // FUNC target
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.nativeOrder());
        h.putShort((short) 0xeB9F).put((byte) 1).put((byte) 0).putInt(24).putInt(0).putInt(t.capacity())
                .putInt(t.capacity()).putInt(strings.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(h.array());
        out.writeBytes(t.array());
        out.writeBytes(strings);
        return out.toByteArray();
    }

    @Test
    void shouldFindFuncAfterSkippingKindSpecificData() {
        assertThat(Btf.findType(sample(), Btf.KIND_FUNC, "target")).isEqualTo(3);
    }

    @Test
    void shouldNotMatchPrefixOrOtherKind() {
        assertThat(Btf.findType(sample(), Btf.KIND_FUNC, "targ")).isEqualTo(-1);
        assertThat(Btf.findType(sample(), Btf.KIND_FUNC, "int")).isEqualTo(-1);
    }

    @Test
    void shouldRejectBytesThatAreNotBtf() {
        assertThatThrownBy(() -> Btf.findType(new byte[64], Btf.KIND_FUNC, "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magic");
    }

    @Test
    void shouldFindLsmHookInRunningKernelBtf() throws Exception {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        Assumptions.assumeTrue(Files.isReadable(vmlinux), "kernel has no readable BTF at " + vmlinux);
        int id = Btf.findType(Files.readAllBytes(vmlinux), Btf.KIND_FUNC, "bpf_lsm_socket_connect");
        assertThat(id).as("bpf_lsm_socket_connect in vmlinux BTF").isGreaterThan(0);
        // cross-check with the real bpftool when present: same id
        Path bpftool = Path.of("/usr/sbin/bpftool");
        if (Files.isExecutable(bpftool)) {
            Process p = new ProcessBuilder(bpftool.toString(), "btf", "dump", "file", vmlinux.toString())
                    .redirectErrorStream(true).start();
            String want = "FUNC 'bpf_lsm_socket_connect'";
            String line;
            int fromTool = -1;
            try (var r = p.inputReader()) {
                while ((line = r.readLine()) != null) {
                    if (fromTool < 0 && line.contains(want)) {
                        fromTool = Integer.parseInt(line.substring(1, line.indexOf(']')));
                    }
                }
            }
            p.waitFor();
            assertThat(id).as("id agrees with bpftool btf dump").isEqualTo(fromTool);
        }
    }
}
