package org.canister.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.canister.core.Errno;
import org.junit.jupiter.api.Test;

class ErrnoExceptionTest {

    @Test
    void shouldNameCallTextAndErrnoInMessage() {
        ErrnoException e = new ErrnoException("bind", 1);
        assertThat(e.getMessage()).isEqualTo("bind: Operation not permitted (EPERM)");
        assertThat(e.call()).isEqualTo("bind");
        assertThat(e.errno()).isEqualTo(1);
        assertThat(e.errnoName()).isEqualTo("EPERM");
        assertThat(e.toErrno()).isEqualTo(Errno.EPERM);
    }

    @Test
    void shouldNameErrnosThatCoreHasNoConstantFor() {
        ErrnoException e = new ErrnoException("connect", 110);
        assertThat(Errno.of(110)).isNull();
        assertThat(e.errnoName()).isEqualTo("ETIMEDOUT");
        assertThat(e.getMessage()).isEqualTo("connect: Connection timed out (ETIMEDOUT)");
        assertThat(e.toErrno()).isNull();
    }

    @Test
    void shouldDescribeUnknownErrnoLikeGlibc() {
        ErrnoException e = new ErrnoException("x", 4000);
        assertThat(e.errnoName()).isEqualTo("errno 4000");
        assertThat(e.getMessage()).isEqualTo("x: Unknown error 4000 (errno 4000)");
    }

    @Test
    void everyCoreErrnoNumberShouldCarryTheNameGlibcGivesIt() {
        for (Errno e : Errno.values()) {
            assertThat(ErrnoText.name(e.number())).as("errno %d", e.number()).isEqualTo(e.name());
        }
    }
}
