package org.canister.linux.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A pure reader of raw BTF ({@code /sys/kernel/btf/vmlinux}): finds the type id of a named kind, which
 * is what BPF_PROG_LOAD needs as {@code attach_btf_id} for LSM and tracing programs. Layout must match
 * include/uapi/linux/btf.h: struct btf_header (magic 0xeB9F, version, flags, hdr_len, type_off,
 * type_len, str_off, str_len), then struct btf_type (name_off, info, size/type) followed by
 * kind-specific data whose length depends on the kind and vlen.
 */
public final class Btf {
    public static final int KIND_FUNC = 12;
    private static final int MAGIC = 0xeB9F;

    private Btf() {
    }

    /**
     * The id of the first type of {@code kind} named {@code name}, or -1 when absent.
     *
     * @throws IllegalArgumentException when the bytes are not BTF (bad magic or truncated)
     */
    public static int findType(byte[] btf, int kind, String name) {
        ByteBuffer b = ByteBuffer.wrap(btf).order(ByteOrder.nativeOrder());
        if (btf.length < 24 || (b.getShort(0) & 0xffff) != MAGIC) {
            throw new IllegalArgumentException("not raw BTF: bad magic or too short (" + btf.length + " bytes)");
        }
        int hdrLen = b.getInt(4);
        int typeOff = hdrLen + b.getInt(8);
        int typeLen = b.getInt(12);
        int strOff = hdrLen + b.getInt(16);
        int strLen = b.getInt(20);
        if ((long) typeOff + typeLen > btf.length || (long) strOff + strLen > btf.length) {
            throw new IllegalArgumentException("truncated BTF: sections run past the end");
        }
        byte[] want = name.getBytes(StandardCharsets.US_ASCII);
        int p = typeOff;
        int end = typeOff + typeLen;
        int id = 1;
        while (p + 12 <= end) {
            int nameOff = b.getInt(p);
            int info = b.getInt(p + 4);
            int k = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            if (k == kind && nameMatches(btf, strOff + nameOff, strOff + strLen, want)) {
                return id;
            }
            p += 12 + extra(k, vlen);
            id++;
        }
        return -1;
    }

    /** Bytes that follow struct btf_type for each kind (btf.h comments). */
    static int extra(int kind, int vlen) {
        return switch (kind) {
            case 1, 14, 17 -> 4;           // INT encoding, VAR linkage, DECL_TAG component_idx
            case 3 -> 12;                  // struct btf_array
            case 4, 5, 15, 19 -> vlen * 12; // btf_member, btf_var_secinfo, btf_enum64
            case 6, 13 -> vlen * 8;        // btf_enum, btf_param
            default -> 0;                  // PTR FWD TYPEDEF VOLATILE CONST RESTRICT FUNC FLOAT TYPE_TAG
        };
    }

    private static boolean nameMatches(byte[] btf, int at, int limit, byte[] want) {
        if (at + want.length >= limit) {
            return false;
        }
        for (int i = 0; i < want.length; i++) {
            if (btf[at + i] != want[i]) {
                return false;
            }
        }
        return btf[at + want.length] == 0;
    }
}
