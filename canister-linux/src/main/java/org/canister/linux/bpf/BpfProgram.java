package org.canister.linux.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Minimal BPF programs and the {@code union bpf_attr} for BPF_PROG_LOAD, built as bytes (pure), used
 * by the facility probes. Offsets must match include/uapi/linux/bpf.h (anonymous struct for
 * BPF_PROG_LOAD): prog_type@0 insn_cnt@4 insns@8 license@16 log_level@24 log_size@28 log_buf@32
 * kern_version@40 prog_flags@44 prog_name@48[16] prog_ifindex@64 expected_attach_type@68
 * prog_btf_fd@72 ... attach_btf_id@108.
 */
public final class BpfProgram {
    public static final int BPF_PROG_LOAD = 5;
    public static final int PROG_TYPE_CGROUP_SOCK_ADDR = 18;
    public static final int PROG_TYPE_LSM = 29;
    public static final int ATTACH_CGROUP_INET4_CONNECT = 10;
    public static final int ATTACH_LSM_MAC = 27;
    public static final int ATTR_SIZE = 128;

    private BpfProgram() {
    }

    /** {@code r0 = ret; exit} as two struct bpf_insn (8 bytes each: code, regs, off, imm). */
    public static byte[] returnConstant(int ret) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0xb7).put((byte) 0).putShort((short) 0).putInt(ret); // BPF_ALU64|BPF_MOV|BPF_K, dst r0
        b.put((byte) 0x95).put((byte) 0).putShort((short) 0).putInt(0);   // BPF_JMP|BPF_EXIT
        return b.array();
    }

    /** The attr bytes with the given pointers already resolved to addresses by the caller. */
    public static byte[] progLoadAttr(int progType, int insnCount, long insnsAddr, long licenseAddr,
                                      int expectedAttachType, int attachBtfId) {
        ByteBuffer b = ByteBuffer.allocate(ATTR_SIZE).order(ByteOrder.nativeOrder());
        b.putInt(0, progType);
        b.putInt(4, insnCount);
        b.putLong(8, insnsAddr);
        b.putLong(16, licenseAddr);
        b.putInt(68, expectedAttachType);
        b.putInt(108, attachBtfId);
        return b.array();
    }
}
