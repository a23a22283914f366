package org.canister.core.collections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class IntObjectMapTest {

    @Test
    void shouldStoreZeroAndNegativeKeys() {
        IntObjectMap<String> m = new IntObjectMap<>();
        m.put(0, "zero");
        m.put(-1, "minus one");
        m.put(Integer.MIN_VALUE, "min");

        assertThat(m.get(0)).isEqualTo("zero");
        assertThat(m.get(-1)).isEqualTo("minus one");
        assertThat(m.get(Integer.MIN_VALUE)).isEqualTo("min");
        assertThat(m.get(1)).isNull();
        assertThat(m.size()).isEqualTo(3);
    }

    @Test
    void shouldReturnThePreviousValueOnPutAndRemove() {
        IntObjectMap<String> m = new IntObjectMap<>();
        assertThat(m.put(7, "a")).isNull();
        assertThat(m.put(7, "b")).isEqualTo("a");
        assertThat(m.remove(7)).isEqualTo("b");
        assertThat(m.remove(7)).isNull();
        assertThat(m.isEmpty()).isTrue();
    }

    @Test
    void shouldRejectNullValues() {
        IntObjectMap<String> m = new IntObjectMap<>();
        assertThatThrownBy(() -> m.put(1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void shouldGrowAndShrinkWithItsContent() {
        IntObjectMap<Integer> m = new IntObjectMap<>();
        for (int i = 0; i < 100_000; i++) {
            m.put(i, i);
        }
        int grown = m.capacity();
        assertThat(grown).isGreaterThanOrEqualTo(200_000);
        for (int i = 0; i < 100_000; i++) {
            assertThat(m.remove(i)).isEqualTo(i);
        }
        assertThat(m.capacity()).isLessThan(grown / 100);
    }

    /** Random operations against HashMap; sequential pids and strided keys make long probe runs. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 4_194_304})
    void shouldBehaveLikeAHashMapUnderRandomOperations(long seed) {
        Random r = new Random(seed);
        IntObjectMap<Integer> m = new IntObjectMap<>();
        Map<Integer, Integer> ref = new HashMap<>();
        for (int i = 0; i < 200_000; i++) {
            int key = switch (r.nextInt(3)) {
                case 0 -> r.nextInt(5_000);
                case 1 -> r.nextInt(64) * 65_536;
                default -> r.nextInt();
            };
            int op = r.nextInt(10);
            if (op < 5) {
                assertThat(m.put(key, i)).isEqualTo(ref.put(key, i));
            } else if (op < 8) {
                assertThat(m.remove(key)).isEqualTo(ref.remove(key));
            } else {
                assertThat(m.get(key)).isEqualTo(ref.get(key));
            }
        }
        assertThat(m.size()).isEqualTo(ref.size());
        Map<Integer, Integer> seen = new HashMap<>();
        m.forEach((k, v) -> seen.put(k, v));
        assertThat(seen).isEqualTo(ref);
        for (Map.Entry<Integer, Integer> e : ref.entrySet()) {
            assertThat(m.get(e.getKey())).isEqualTo(e.getValue());
        }
    }
}
