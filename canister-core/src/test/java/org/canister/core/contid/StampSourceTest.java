package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;

import org.canister.core.audit.AuditStamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StampSourceTest {
    private static final long MASK = 0xFFFF_FFFFL;

    /** Ring distance of {@code s} ahead of {@code k}. */
    private static long ahead(long s, long k) {
        return (s - k) & MASK;
    }

    @Test
    void shouldStartOppositeTheKernelCounter() {
        StampSource src = new StampSource();
        src.observeKernelSerial(174_524);
        AuditStamp s = src.next(1_606_404_267_551L);
        assertThat(s.serial()).isEqualTo(174_524L + (1L << 31));
        assertThat(s.seconds()).isEqualTo(1_606_404_267L);
        assertThat(s.millis()).isEqualTo(551);
    }

    @Test
    void shouldStartAtHalfTheRingBeforeAnyKernelSerial() {
        assertThat(new StampSource().next(0).serial()).isEqualTo(1L << 31);
    }

    @Test
    void shouldWrapAroundTheThirtyTwoBitRing() {
        StampSource src = new StampSource();
        src.observeKernelSerial(MASK - 5);
        assertThat(src.next(1000).serial()).isEqualTo((MASK - 5 + (1L << 31)) & MASK);
    }

    @Test
    void shouldNeverMoveTheKernelReferenceBackwardsOnOutOfOrderSerials() {
        StampSource src = new StampSource();
        src.observeKernelSerial(1000);
        src.observeKernelSerial(990);
        assertThat(src.kernelSerial()).isEqualTo(1000);
        src.observeKernelSerial(3);          // far behind in the ring? no: 3 - 1000 mod 2^32 is > 2^31
        assertThat(src.kernelSerial()).isEqualTo(1000);
        src.observeKernelSerial(MASK);       // a wrap seen from 1000 is behind too
        assertThat(src.kernelSerial()).isEqualTo(1000);
    }

    /**
     * Property: in a simulated stream where the kernel and the daemon interleave events in the same
     * milliseconds, no daemon stamp equals a kernel stamp and no two daemon stamps are equal.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 99L, 0xC0117DL, 4_294_967_000L})
    void shouldNeverCollideWithKernelOrOwnStampsInAnInterleavedStream(long seed) {
        Random rnd = new Random(seed);
        StampSource src = new StampSource();
        long kernel = Math.floorMod(seed, MASK + 1); // kernel counter, any starting point, wraps
        long ms = 1_700_000_000_000L;
        Set<String> kernelStamps = new HashSet<>();
        Set<String> daemonStamps = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            if (rnd.nextInt(50) == 0) {
                ms += rnd.nextInt(3); // many events share a millisecond
            }
            if (rnd.nextInt(3) != 0) {
                kernel = (kernel + 1) & MASK;
                kernelStamps.add(AuditStamp.ofMillis(ms, kernel).format());
                if (rnd.nextInt(4) != 0) {
                    src.observeKernelSerial(kernel); // some kernel records are still in flight
                }
            } else {
                AuditStamp d = src.next(ms);
                assertThat(daemonStamps.add(d.format())).as("daemon stamp %s repeated", d).isTrue();
                assertThat(ahead(d.serial(), kernel)).isGreaterThan(1L << 30);
            }
        }
        daemonStamps.retainAll(kernelStamps);
        assertThat(daemonStamps).isEmpty();
    }

    @Test
    void shouldKeepDaemonSerialsIncreasingWhenTheKernelIsQuiet() {
        StampSource src = new StampSource();
        src.observeKernelSerial(10);
        long prev = src.next(5).serial();
        for (int i = 0; i < 1000; i++) {
            long s = src.next(5).serial();
            assertThat(s).isEqualTo((prev + 1) & MASK);
            prev = s;
        }
        src.observeKernelSerial(20_000);   // the kernel moved: jump forward to its new antipode
        assertThat(src.next(5).serial()).isEqualTo(20_000L + (1L << 31));
    }
}
