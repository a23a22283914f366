package org.canister.daemon.contid;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the registry's state is keyed on besides (pid, start time): the boot id, so no start time is
 * trusted across a reboot, and "now" in the unit of {@code /proc/<pid>/stat} field 22.
 *
 * <p>Field 22 ({@code starttime}) is the task's boot-based start time in clock ticks (USER_HZ, 100 on
 * every Linux architecture Canister runs on: {@code sysconf(_SC_CLK_TCK)}), and {@code /proc/uptime}'s
 * first number is CLOCK_BOOTTIME in seconds with two decimals, i.e. the same clock in the same unit.
 */
final class HostClock {
    /** USER_HZ (sysconf(_SC_CLK_TCK)); fixed at 100 by the kernel ABI on x86_64 and arm64. */
    static final int CLOCK_TICKS_PER_SECOND = 100;

    private HostClock() {
    }

    /** {@code /proc/sys/kernel/random/boot_id}, without the newline. */
    static String bootId() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
    }

    /** CLOCK_BOOTTIME now, in clock ticks ({@code /proc/uptime}). */
    static long nowTicks() throws IOException {
        return parseUptimeTicks(Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII));
    }

    /** {@code "12345.67 890.12\n"} to 1234567 ticks. */
    static long parseUptimeTicks(String uptime) {
        String first = uptime.strip().split("\\s+")[0];
        int dot = first.indexOf('.');
        if (dot < 0) {
            return Long.parseLong(first) * CLOCK_TICKS_PER_SECOND;
        }
        long seconds = Long.parseLong(first.substring(0, dot));
        String frac = (first.substring(dot + 1) + "00").substring(0, 2);
        return seconds * CLOCK_TICKS_PER_SECOND + Integer.parseInt(frac);
    }
}
