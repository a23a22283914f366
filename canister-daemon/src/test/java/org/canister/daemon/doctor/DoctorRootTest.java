package org.canister.daemon.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@code canister doctor} must tell the truth: each verdict is checked against an independent look. */
@Tag("root")
class DoctorRootTest {
    @Test
    void shouldReportEachFacilityAsAnIndependentCheckFindsIt() throws Exception {
        Assumptions.assumeTrue(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "needs root");
        List<Facility> all = Doctor.probeAll();
        Map<String, Facility> by = all.stream().collect(Collectors.toMap(Facility::name, Function.identity()));
        assertThat(by.keySet()).containsExactlyInAnyOrder("audit netlink", "proc connector",
                "fanotify permission events", "cgroup v2 mount", "cgroup-BPF sock_addr load", "BPF LSM load",
                "FUSE", "swtpm", "evmctl", "runc");
        for (Facility f : all) {
            assertThat(f.detail()).as("%s explains itself", f.name()).isNotBlank();
            assertThat(f.line()).startsWith(f.name()).contains(f.works() ? "works" : "does not");
        }
        // root in the initial namespaces: the netlink facilities work
        assertThat(by.get("proc connector").works()).isTrue();
        assertThat(by.get("audit netlink").works()).isTrue();
        // the mount table decides cgroup v2
        boolean cgroup2 = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[2].equals("cgroup2"));
        assertThat(by.get("cgroup v2 mount").works()).isEqualTo(cgroup2);
        // FUSE works exactly when the device and the helper are there
        boolean fuse = Files.exists(Path.of("/dev/fuse")) && Files.isExecutable(Path.of("/usr/bin/fusermount3"));
        assertThat(by.get("FUSE").works()).isEqualTo(fuse);
        // the tools: works exactly when the binary is installed
        assertThat(by.get("runc").works()).isEqualTo(Files.isExecutable(Path.of("/usr/sbin/runc"))
                || Files.isExecutable(Path.of("/usr/bin/runc")));
        assertThat(by.get("evmctl").works()).isEqualTo(Files.isExecutable(Path.of("/usr/bin/evmctl")));
        assertThat(by.get("swtpm").works()).isEqualTo(Files.isExecutable(Path.of("/usr/bin/swtpm")));
        // a failing BPF LSM probe names the errno
        Facility lsm = by.get("BPF LSM load");
        if (!lsm.works()) {
            assertThat(lsm.detail()).containsAnyOf("EPERM", "EINVAL", "no kernel BTF", "CONFIG_BPF_LSM", "ENOENT");
        }
    }
}
