package org.canister.core.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TaskIndexTest {

    private static Task task(int tid) {
        return new Task(tid, tid, 1, tid, Credentials.UNKNOWN, Namespaces.UNKNOWN, "", "", "");
    }

    /** Random operations against HashMap, through growth and shrinking; pid-like and strided keys. */
    @ParameterizedTest
    @ValueSource(longs = {1, 9, 77, 4_194_304})
    void shouldBehaveLikeAHashMapKeyedByTid(long seed) {
        Random r = new Random(seed);
        TaskIndex index = new TaskIndex();
        Map<Integer, Task> ref = new HashMap<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 60_000; i++) {
                int tid = r.nextBoolean() ? 300 + r.nextInt(40_000) : r.nextInt(1 << 22) & ~0xFFF;
                if (r.nextInt(3) > 0) {
                    Task t = task(tid);
                    assertThat(index.put(t)).isSameAs(ref.put(tid, t));
                } else {
                    assertThat(index.remove(tid)).isSameAs(ref.remove(tid));
                }
            }
            assertThat(index.size()).isEqualTo(ref.size());
            for (Map.Entry<Integer, Task> e : ref.entrySet()) {
                assertThat(index.get(e.getKey())).isSameAs(e.getValue());
            }
            for (int k = 0; k < 1000; k++) {
                int tid = -1 - k;
                assertThat(index.get(tid)).isNull();
            }
            // drain most of it so the table shrinks, then grow again next round
            for (Integer tid : ref.keySet().stream().filter(x -> r.nextInt(10) > 0).toList()) {
                assertThat(index.remove(tid)).isSameAs(ref.remove(tid));
            }
            int[] seen = {0};
            index.forEach(t -> {
                assertThat(ref.get(t.tid())).isSameAs(t);
                seen[0]++;
            });
            assertThat(seen[0]).isEqualTo(ref.size());
        }
    }
}
