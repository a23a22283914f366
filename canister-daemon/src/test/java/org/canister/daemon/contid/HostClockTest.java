package org.canister.daemon.contid;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostClockTest {
    @Test
    void shouldTurnProcUptimeIntoClockTicks() {
        assertThat(HostClock.parseUptimeTicks("12345.67 890.12\n")).isEqualTo(1_234_567L);
        assertThat(HostClock.parseUptimeTicks("5.5 1.0\n")).isEqualTo(550L);
        assertThat(HostClock.parseUptimeTicks("7 1\n")).isEqualTo(700L);
    }

    @Test
    void shouldReadTheRunningKernelsClockAndBootId() throws Exception {
        long a = HostClock.nowTicks();
        Thread.sleep(30);
        assertThat(HostClock.nowTicks()).isGreaterThanOrEqualTo(a + 2);
        assertThat(HostClock.bootId()).matches("[0-9a-f-]{36}");
    }

    @Test
    void shouldFormatDevicesAsTheKernelPrintsThem() {
        assertThat(ContidService.formatDev(4)).isEqualTo("00:04");
        assertThat(ContidService.formatDev((254L << 8) | 1)).isEqualTo("fe:01");
        assertThat(ContidService.nsfsDev()).matches("[0-9a-f]{2,}:[0-9a-f]{2,}");
    }
}
