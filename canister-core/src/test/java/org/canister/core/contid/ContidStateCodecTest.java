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

class ContidStateCodecTest {
    private static final String BOOT = "6a1b9a53-3d5e-4f8e-9e0f-2d4f5c7b8a90";

    private static ContidState sample() {
        return new ContidState(BOOT, 1234567, List.of(
                new ContidState.ObjectEntry(1, new TaskRef(4100, 98765), ContidValue.UNSET, false),
                new ContidState.ObjectEntry(-2L, new TaskRef(4300, 98900), 1, true),
                new ContidState.ObjectEntry(3, new TaskRef(4300, 98900), -2L, false)),
                List.of(new ContidState.LabelEntry(new TaskRef(4242, 99000), 3),
                        new ContidState.LabelEntry(new TaskRef(4243, 99001), 1)),
                List.of(new TaskRef(4300, 98900)));
    }

    @Test
    void shouldWriteTheDocumentedTextFormat() {
        assertThat(ContidStateCodec.encode(sample())).isEqualTo("""
                canister-contid-state 1
                boot 6a1b9a53-3d5e-4f8e-9e0f-2d4f5c7b8a90
                saved-at 1234567
                object 1 owner=4100:98765 parent=- state=live
                object 18446744073709551614 owner=4300:98900 parent=1 state=dropped
                object 3 owner=4300:98900 parent=18446744073709551614 state=live
                label 4242:99000 3
                label 4243:99001 1
                capcontid 4300:98900
                end
                """);
    }

    @Test
    void shouldRoundTripTheSample() {
        assertThat(ContidStateCodec.decode(ContidStateCodec.encode(sample()))).isEqualTo(sample());
    }

    @ParameterizedTest
    @ValueSource(longs = {3L, 17L, 0xC0117DL})
    void shouldRoundTripRandomStates(long seed) {
        Random rnd = new Random(seed);
        for (int round = 0; round < 300; round++) {
            List<ContidState.ObjectEntry> objs = new ArrayList<>();
            List<ContidState.LabelEntry> labels = new ArrayList<>();
            int n = rnd.nextInt(20);
            for (int i = 0; i < n; i++) {
                long id = (long) i * 1_000_003L + (rnd.nextBoolean() ? Long.MIN_VALUE : 0);
                long parent = i == 0 || rnd.nextBoolean() ? ContidValue.UNSET : objs.get(rnd.nextInt(i)).id();
                boolean dropped = rnd.nextInt(5) == 0;
                objs.add(new ContidState.ObjectEntry(id, new TaskRef(1 + rnd.nextInt(4_000_000), rnd.nextLong() >>> 1),
                        parent, dropped));
                if (!dropped) {
                    labels.add(new ContidState.LabelEntry(new TaskRef(100_000 + i, i), id));
                }
            }
            ContidState s = new ContidState(BOOT, rnd.nextLong() >>> 1, objs, labels,
                    List.of(new TaskRef(7, rnd.nextInt(1000))));
            assertThat(ContidStateCodec.decode(ContidStateCodec.encode(s))).isEqualTo(s);
        }
    }

    private static String errorOf(String text) {
        try {
            ContidStateCodec.decode(text);
            return "no error";
        } catch (CanisterException e) {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            return e.getMessage();
        }
    }

    @Test
    void shouldRejectCorruptFilesNamingTheLine() {
        String good = ContidStateCodec.encode(sample());
        assertThat(errorOf(good.replace("end\n", ""))).contains("truncated");
        assertThat(errorOf(good.replace("canister-contid-state 1", "canister-contid-state 2"))).contains("version 2");
        assertThat(errorOf(good.replace("parent=1 ", "parent=9 "))).contains("line 5").contains("not listed before");
        assertThat(errorOf(good.replace("label 4242:99000 3", "label 4242:99000 77"))).contains("line 7");
        assertThat(errorOf(good.replace("label 4243:99001 1", "label 4243:99001 18446744073709551614")))
                .contains("dropped");
        assertThat(errorOf(good.replace("state=live", "state=zombie"))).contains("live or dropped");
        assertThat(errorOf(good + "object 5 owner=1:1 parent=- state=live\n")).contains("after the 'end'");
        assertThat(errorOf(good.replace("owner=4100:98765", "owner=4100"))).contains("<pid>:<start time>");
        assertThat(errorOf("")).contains("empty");
        assertThat(errorOf("hello\n")).contains("not a Canister");
    }
}
