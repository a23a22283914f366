package org.canister.daemon.contid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.canister.core.contid.ContidValue;

/**
 * The OCI runtime state a hook reads on stdin (runtime-spec {@code runtime.md} "State":
 * {@code ociVersion, id, status, pid, bundle, annotations}), and the container ID Canister derives
 * from it.
 *
 * <h2>The container ID of an OCI container</h2>
 * The annotation {@value #ANNOTATION} when present (decimal, as written to
 * {@code audit_containerid}), else a stable hash of the container's id: the first 8 bytes of
 * SHA-256 of the id's UTF-8 bytes, read big-endian, with the top bit cleared (63 bits, so it is never
 * 18446744073709551615, the unset value) and 0 mapped to 1. The same container id always gives the same
 * contid, on every host, so logs can be joined with the runtime's view; two ids collide with
 * probability about n^2 / 2^64 (one in 10^11 for 10^4 live containers); a collision is refused with
 * ENOTUNIQ while the first container runs, never silently merged.
 *
 * @param ociVersion  the runtime-spec version
 * @param id          the container's id ({@code runc run <id>})
 * @param status      {@code creating} in createRuntime hooks, {@code stopped} in poststop
 * @param pid         the container's init pid on the host, 0 when there is none (poststop)
 * @param bundle      the bundle directory
 * @param annotations the container's annotations (from the state, else the bundle's config.json)
 */
public record OciState(String ociVersion, String id, String status, int pid, Path bundle,
                       Map<String, String> annotations) {
    /** The annotation that names the container ID explicitly. */
    public static final String ANNOTATION = "org.canister.contid";

    public OciState {
        annotations = Map.copyOf(annotations);
    }

    /**
     * Parse the state JSON. When the state carries no annotations (runc passes them only when
     * config.json has some), the bundle's {@code config.json} annotations are used.
     *
     * @throws CanisterException EINVAL with a sentence for malformed or incomplete state
     */
    public static OciState parse(byte[] json) {
        if (json.length == 0) {
            throw new CanisterException(Errno.EINVAL, "no OCI state on stdin; canister oci-hook must be run by an "
                    + "OCI runtime as a hook (it writes the state JSON to the hook's stdin)");
        }
        Object v;
        try {
            v = JsonValue.parse(new String(json, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new CanisterException(Errno.EINVAL, "the OCI state on stdin is not JSON (" + e.getMessage()
                    + "); canister oci-hook must be run by an OCI runtime as a hook");
        }
        if (!(v instanceof Map<?, ?> n)) {
            throw new CanisterException(Errno.EINVAL, "the OCI state on stdin is not a JSON object; canister "
                    + "oci-hook must be run by an OCI runtime as a hook");
        }
        String id = text(n, "id");
        if (id == null || id.isEmpty()) {
            throw new CanisterException(Errno.EINVAL, "the OCI state has no container id");
        }
        int pid = n.get("pid") instanceof Long l && l > 0 && l <= Integer.MAX_VALUE ? (int) (long) l : 0;
        String bundle = text(n, "bundle");
        Map<String, String> ann = annotations(n.get("annotations"));
        Path bundlePath = bundle == null || bundle.isEmpty() ? null : Path.of(bundle);
        if (ann.isEmpty() && bundlePath != null) {
            ann = bundleAnnotations(bundlePath);
        }
        return new OciState(text(n, "ociVersion"), id, text(n, "status"), pid, bundlePath, ann);
    }

    /**
     * The container ID for this container: the annotation, else the hash of the id.
     *
     * @throws CanisterException EINVAL/ERANGE when the annotation is not a settable container ID
     */
    public long contid() {
        String a = annotations.get(ANNOTATION);
        if (a == null) {
            return hash(id);
        }
        long v;
        try {
            v = ContidValue.parse(a.strip());
        } catch (CanisterException e) {
            throw new CanisterException(e.errno(), "annotation " + ANNOTATION + "=\"" + a + "\": " + e.getMessage());
        }
        if (v == ContidValue.UNSET) {
            throw new CanisterException(Errno.EINVAL, "annotation " + ANNOTATION + " is 18446744073709551615, "
                    + "which means unset; give another decimal ID or remove the annotation to use the hash of the id");
        }
        return v;
    }

    /** First 8 bytes of SHA-256(id) big-endian, top bit cleared, 0 mapped to 1. */
    public static long hash(String containerId) {
        byte[] d;
        try {
            d = MessageDigest.getInstance("SHA-256").digest(containerId.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (d[i] & 0xff);
        }
        v &= Long.MAX_VALUE;
        return v == 0 ? 1 : v;
    }

    private static String text(Map<?, ?> n, String field) {
        Object v = n.get(field);
        return v == null ? null : v.toString();
    }

    private static Map<String, String> annotations(Object a) {
        Map<String, String> m = new LinkedHashMap<>();
        if (a instanceof Map<?, ?> map) {
            map.forEach((k, v) -> m.put(k.toString(), v == null ? "" : v.toString()));
        }
        return m;
    }

    private static Map<String, String> bundleAnnotations(Path bundle) {
        Path config = bundle.resolve("config.json");
        try {
            Object cfg = JsonValue.parse(Files.readString(config, StandardCharsets.UTF_8));
            return cfg instanceof Map<?, ?> m ? annotations(m.get("annotations")) : Map.of();
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException | IllegalArgumentException e) {
            throw new CanisterException(Errno.EINVAL, "cannot read the annotations of " + config + ": " + e.getMessage());
        }
    }
}
