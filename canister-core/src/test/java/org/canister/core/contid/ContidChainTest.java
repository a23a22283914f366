package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.canister.core.CanisterException;
import org.canister.core.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContidChainTest {

    @Test
    void shouldPrintLeafFirstWithCaretAncestors() {
        assertThat(ContidChain.of(4, 2, 1).format()).isEqualTo("4,^2,^1");
        assertThat(ContidChain.of(123456).format()).isEqualTo("123456");
        assertThat(ContidChain.of(-2L, 5).format()).isEqualTo("18446744073709551614,^5");
    }

    @Test
    void shouldPrintNoneAsMinusOneAndConcatenateSeveralChains() {
        assertThat(ContidChain.formatAll(List.of())).isEqualTo("-1");
        assertThat(ContidChain.formatAll(List.of(ContidChain.of(2, 1), ContidChain.of(3, 1)))).isEqualTo("2,^1,3,^1");
    }

    @Test
    void shouldParseTheV11NetnsExampleIntoTwoChains() {
        assertThat(ContidChain.parseAll("2,^1,3,^1")).containsExactly(ContidChain.of(2, 1), ContidChain.of(3, 1));
        assertThat(ContidChain.parseAll("4,^2,^1")).containsExactly(ContidChain.of(4, 2, 1));
        assertThat(ContidChain.parseAll("5,6")).containsExactly(ContidChain.of(5), ContidChain.of(6));
        assertThat(ContidChain.parseAll("-1")).isEmpty();
    }

    @Test
    void shouldRejectV8CaretSeparatorSyntaxNamingIt() {
        assertThatThrownBy(() -> ContidChain.parseAll("7129731255799087104^3333941723245477888"))
                .isInstanceOf(CanisterException.class)
                .hasMessageContaining("v8");
        assertThatThrownBy(() -> ContidChain.parseAll("123,456^789")).hasMessageContaining("v8");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "^1", "1,", ",1", "1,,2", "1,^", "1,^^2", "+1", "1\n", "a", "1,-1",
            "18446744073709551615", "1,^18446744073709551615"})
    void shouldRejectMalformedListsWithEinval(String text) {
        assertThatThrownBy(() -> ContidChain.parseAll(text))
                .isInstanceOf(CanisterException.class)
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void shouldRejectOverflowingElementWithErange() {
        assertThatThrownBy(() -> ContidChain.parseAll("1,^18446744073709551616"))
                .extracting(e -> ((CanisterException) e).errno()).isEqualTo(Errno.ERANGE);
    }

    @Test
    void shouldMatchAnyElementOfTheChain() {
        ContidChain c = ContidChain.of(4, 2, 1);
        assertThat(c.contains(2)).isTrue();
        assertThat(c.contains(4)).isTrue();
        assertThat(c.contains(3)).isFalse();
        assertThat(c.leaf()).isEqualTo(4);
        assertThat(c.depth()).isEqualTo(3);
    }

    /** Property: for any list of chains, parse(format(chains)) == chains; seeded, so failures reproduce. */
    @ParameterizedTest
    @ValueSource(longs = {1L, 42L, 0xC0117DL, 20210113L, -7L})
    void shouldRoundTripRandomChainListsThroughTheGrammar(long seed) {
        Random rnd = new Random(seed);
        for (int round = 0; round < 2_000; round++) {
            List<ContidChain> chains = new ArrayList<>();
            int count = rnd.nextInt(5);
            for (int c = 0; c < count; c++) {
                long[] ids = new long[1 + rnd.nextInt(6)];
                for (int i = 0; i < ids.length; i++) {
                    long v;
                    do {
                        v = switch (rnd.nextInt(4)) {
                            case 0 -> rnd.nextInt(10);
                            case 1 -> rnd.nextLong();
                            case 2 -> -2L - rnd.nextInt(3); // near the top of u64, never UNSET
                            default -> rnd.nextLong() >>> 1;
                        };
                    } while (v == ContidValue.UNSET);
                    ids[i] = v;
                }
                chains.add(ContidChain.of(ids));
            }
            String text = ContidChain.formatAll(chains);
            assertThat(ContidChain.parseAll(text)).as("seed %d round %d: %s", seed, round, text).isEqualTo(chains);
            assertThat(ContidChain.formatAll(ContidChain.parseAll(text))).isEqualTo(text);
        }
    }
}
