package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ContidValueTest {

    private static Errno errnoOf(String input) {
        try {
            ContidValue.parse(input.getBytes(StandardCharsets.ISO_8859_1));
            return null;
        } catch (CanisterException e) {
            return e.errno();
        }
    }

    @Test
    void shouldParseDecimalWithOptionalPlusAndOneNewline() {
        assertThat(ContidValue.parse("123455")).isEqualTo(123455L);
        assertThat(ContidValue.parse("123455\n")).isEqualTo(123455L);
        assertThat(ContidValue.parse("+7\n")).isEqualTo(7L);
        assertThat(ContidValue.parse("007")).isEqualTo(7L);
        assertThat(ContidValue.parse("0")).isEqualTo(0L);
    }

    @Test
    void shouldParseTheWholeUnsignedRangeIncludingUnset() {
        assertThat(ContidValue.parse("18446744073709551614")).isEqualTo(-2L);
        assertThat(ContidValue.parse("18446744073709551615\n")).isEqualTo(ContidValue.UNSET);
        assertThat(ContidValue.parse("9223372036854775808")).isEqualTo(Long.MIN_VALUE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\n", "+", "+\n", "-1", " 5", "5 ", "5\n\n", "0x10", "12a", "abc", "5\0", "1_000",
            "\n5", "++5", "5\r\n"})
    void shouldRejectJunkWithEinval(String input) {
        assertThat(errnoOf(input)).as("input %s", ContidValue.quote(input)).isEqualTo(Errno.EINVAL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"18446744073709551616", "99999999999999999999", "184467440737095516150",
            "99999999999999999999x", "+18446744073709551616\n"})
    void shouldRejectOverflowWithErangeEvenBeforeTrailingJunk(String input) {
        assertThat(errnoOf(input)).isEqualTo(Errno.ERANGE);
    }

    @Test
    void shouldExplainBadInputInTheMessage() {
        assertThatThrownBy(() -> ContidValue.parse("12a"))
                .isInstanceOf(CanisterException.class)
                .hasMessageContaining("\"12a\"");
    }

    @Test
    void shouldFormatAsUnsignedDecimal() {
        assertThat(ContidValue.format(ContidValue.UNSET)).isEqualTo(ContidValue.UNSET_TEXT);
        assertThat(ContidValue.format(Long.MIN_VALUE)).isEqualTo("9223372036854775808");
        assertThat(ContidValue.format(42)).isEqualTo("42");
    }

    @Test
    void shouldRoundTripRandomValues() {
        java.util.Random rnd = new java.util.Random(0xC0117D);
        for (int i = 0; i < 10_000; i++) {
            long v = rnd.nextLong() >>> rnd.nextInt(64);
            String text = ContidValue.format(v);
            assertThat(ContidValue.parse(text + (i % 2 == 0 ? "\n" : ""))).isEqualTo(v);
            assertThat(ContidValue.parse("+" + text)).isEqualTo(v);
        }
    }

    @Test
    void shouldAcceptOnlyZeroOrOneForCapContid() {
        assertThat(ContidValue.parseCapContid("1\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo(1);
        assertThat(ContidValue.parseCapContid("0".getBytes(StandardCharsets.US_ASCII))).isEqualTo(0);
        assertThatThrownBy(() -> ContidValue.parseCapContid("2".getBytes(StandardCharsets.US_ASCII)))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> ContidValue.parseCapContid("4294967296".getBytes(StandardCharsets.US_ASCII)))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.ERANGE);
        assertThatThrownBy(() -> ContidValue.parseCapContid("yes".getBytes(StandardCharsets.US_ASCII)))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EINVAL);
    }
}
