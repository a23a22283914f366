package org.canister.core.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;
import org.canister.core.audit.AuditEvent.Completion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventAssemblerTest {

    private static final long MS = 1_000_000L;

    private final List<AuditEvent> out = new ArrayList<>();

    private static AuditRecord rec(int type, long serial, String body) {
        return new AuditRecord(type, new AuditStamp(1700000000L, 100, serial), body);
    }

    @Test
    void shouldCompleteSyscallEventAtProctitleAndIgnoreItsEoe() {
        EventAssembler a = new EventAssembler(out::add);
        a.accept(rec(1300, 1, "syscall=59"), 0);
        a.accept(rec(1309, 1, "argc=1 a0=\"x\""), 1);
        a.accept(rec(1307, 1, "cwd=\"/\""), 2);
        assertThat(out).isEmpty();
        a.accept(rec(1327, 1, "proctitle=78"), 3);
        a.accept(rec(1320, 1, ""), 4);

        assertThat(out).hasSize(1);
        assertThat(out.get(0).completion()).isEqualTo(Completion.LAST_RECORD);
        assertThat(out.get(0).records()).extracting(AuditRecord::type).containsExactly(1300, 1309, 1307, 1327);
        assertThat(a.stats().unmatchedEoe()).isEqualTo(1);
        assertThat(a.inFlight()).isZero();
    }

    @Test
    void shouldCompleteAtEoeWithoutKeepingIt() {
        EventAssembler a = new EventAssembler(out::add);
        a.accept(rec(1300, 2, "syscall=62"), 0);
        a.accept(rec(1318, 2, "opid=5"), 0);
        a.accept(rec(1320, 2, ""), 0);

        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.completion()).isEqualTo(Completion.EOE);
            assertThat(e.records()).extracting(AuditRecord::type).containsExactly(1300, 1318);
        });
    }

    @Test
    void shouldEmitUserRecordAsSingleRecordEvent() {
        EventAssembler a = new EventAssembler(out::add);
        a.accept(rec(1112, 3, "pid=1 msg='op=login res=success'"), 0);

        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.completion()).isEqualTo(Completion.LAST_RECORD);
            assertThat(e.records()).hasSize(1);
        });
    }

    @Test
    void shouldTimeOutStandaloneRecordAfterTwoSeconds() {
        EventAssembler a = new EventAssembler(out::add);
        a.accept(rec(1305, 4, "op=add_rule res=1"), 10 * MS);
        assertThat(a.nextDeadlineNs()).isEqualTo(2010 * MS);
        assertThat(a.poll(2009 * MS)).isZero();
        assertThat(out).isEmpty();
        assertThat(a.poll(2010 * MS)).isEqualTo(1);

        assertThat(out).singleElement().extracting(AuditEvent::completion).isEqualTo(Completion.TIMEOUT);
        assertThat(a.nextDeadlineNs()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void shouldEvictOldestIncompleteEventInsteadOfDroppingIt() {
        EventAssembler a = new EventAssembler(out::add, EventAssembler.DEFAULT_TIMEOUT_NS, 2);
        a.accept(rec(1300, 10, "a"), 0);
        a.accept(rec(1300, 11, "b"), 0);
        a.accept(rec(1300, 12, "c"), 0);

        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e.completion()).isEqualTo(Completion.EVICTED);
            assertThat(e.stamp().serial()).isEqualTo(10);
        });
        assertThat(a.stats().evicted()).isEqualTo(1);
        assertThat(a.flush()).isEqualTo(2);
        assertThat(out).extracting(AuditEvent::completion)
                .containsExactly(Completion.EVICTED, Completion.FLUSHED, Completion.FLUSHED);
    }

    // ---- property tests over seeded interleavings ----

    /** One generated kernel event: its records in kernel order, possibly truncated. */
    private record Spec(AuditStamp stamp, List<AuditRecord> records) {
    }

    private static final int[] SINGLE_TYPES = {1005, 1100, 1105, 1112, 1200, 1203, 1406, 1701, 2000, 2100};

    private static List<Spec> generate(Random rnd, int count, double truncateProbability) {
        List<Spec> specs = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            AuditStamp stamp = new AuditStamp(1700000000L + rnd.nextInt(3), rnd.nextInt(1000), 1000 + i);
            List<Integer> types = new ArrayList<>();
            switch (rnd.nextInt(5)) {
                case 0 -> { // execve: SYSCALL EXECVE CWD PATH.. PROCTITLE EOE
                    types.add(1300);
                    types.add(1309);
                    types.add(1307);
                    for (int k = rnd.nextInt(4); k > 0; k--) {
                        types.add(1302);
                    }
                    types.add(1327);
                    types.add(1320);
                }
                case 1 -> { // kill: SYSCALL OBJ_PID.. EOE (no PROCTITLE)
                    types.add(1300);
                    for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                        types.add(1318);
                    }
                    types.add(1320);
                }
                case 2 -> types.add(SINGLE_TYPES[rnd.nextInt(SINGLE_TYPES.length)]);
                case 3 -> { // AVC before its SYSCALL
                    types.add(1400);
                    types.add(1300);
                    types.add(1327);
                    types.add(1320);
                }
                default -> types.add(1305); // standalone CONFIG_CHANGE: no closing record
            }
            int keep = types.size();
            if (types.size() > 1 && rnd.nextDouble() < truncateProbability) {
                keep = 1 + rnd.nextInt(types.size() - 1);
            }
            List<AuditRecord> recs = new ArrayList<>();
            for (int k = 0; k < keep; k++) {
                recs.add(new AuditRecord(types.get(k), stamp, "i=" + i + " k=" + k));
            }
            specs.add(new Spec(stamp, recs));
        }
        return specs;
    }

    /** Interleaves the specs' records at random while keeping each spec's own order. */
    private static List<AuditRecord> interleave(Random rnd, List<Spec> specs) {
        List<ArrayDeque<AuditRecord>> queues = new ArrayList<>();
        for (Spec s : specs) {
            queues.add(new ArrayDeque<>(s.records()));
        }
        List<AuditRecord> stream = new ArrayList<>();
        // a window of active events, so that interleaving is local as on a real machine
        int window = 1 + rnd.nextInt(32);
        int next = 0;
        List<ArrayDeque<AuditRecord>> active = new ArrayList<>();
        while (next < queues.size() || !active.isEmpty()) {
            while (active.size() < window && next < queues.size()) {
                active.add(queues.get(next++));
            }
            int pick = rnd.nextInt(active.size());
            ArrayDeque<AuditRecord> q = active.get(pick);
            stream.add(q.poll());
            if (q.isEmpty()) {
                active.remove(pick);
            }
        }
        return stream;
    }

    private static Completion expectedCompletion(List<AuditRecord> recs) {
        for (AuditRecord r : recs) {
            if (r.type() == AuditTypes.EOE) {
                return Completion.EOE;
            }
            if (AuditTypes.isLastRecord(r.type())) {
                return Completion.LAST_RECORD;
            }
        }
        return Completion.TIMEOUT;
    }

    static LongStream seeds() {
        return LongStream.rangeClosed(1, 200);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldAssembleEveryShuffledEventWholeAndInOrder(long seed) {
        Random rnd = new Random(seed);
        List<Spec> specs = generate(rnd, 50 + rnd.nextInt(250), 0.2);
        List<AuditRecord> stream = interleave(rnd, specs);
        EventAssembler a = new EventAssembler(out::add);
        long now = 0;
        for (AuditRecord r : stream) {
            now += rnd.nextInt(100_000); // < 0.1 ms per record: nothing may time out while streaming
            a.accept(r, now);
        }
        a.poll(now + EventAssembler.DEFAULT_TIMEOUT_NS);

        assertThat(a.inFlight()).isZero();
        Map<AuditStamp, AuditEvent> byStamp = new HashMap<>();
        for (AuditEvent e : out) {
            assertThat(byStamp.put(e.stamp(), e)).as("one event per stamp, seed %d", seed).isNull();
        }
        long unmatched = 0;
        for (Spec s : specs) {
            AuditEvent e = byStamp.get(s.stamp());
            List<AuditRecord> expected = s.records().stream().filter(r -> r.type() != AuditTypes.EOE).toList();
            assertThat(e).as("event %s, seed %d", s.stamp(), seed).isNotNull();
            assertThat(e.records()).as("records of %s, seed %d", s.stamp(), seed).containsExactlyElementsOf(expected);
            assertThat(e.completion()).as("completion of %s, seed %d", s.stamp(), seed)
                    .isEqualTo(expectedCompletion(s.records()));
            boolean closedBeforeEoe = s.records().stream().anyMatch(r -> r.type() == AuditTypes.PROCTITLE)
                    && s.records().getLast().type() == AuditTypes.EOE;
            unmatched += closedBeforeEoe ? 1 : 0;
        }
        assertThat(out).hasSameSizeAs(specs);
        assertThat(a.stats().unmatchedEoe()).isEqualTo(unmatched);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void shouldNeverLoseOrDuplicateRecordsUnderTimeoutsAndEviction(long seed) {
        Random rnd = new Random(seed);
        List<Spec> specs = generate(rnd, 50 + rnd.nextInt(250), 0.4);
        List<AuditRecord> stream = interleave(rnd, specs);
        int maxInFlight = 1 + rnd.nextInt(8);
        EventAssembler a = new EventAssembler(out::add, 50 * MS, maxInFlight);
        long now = 0;
        for (AuditRecord r : stream) {
            now += rnd.nextInt(10) == 0 ? rnd.nextLong(100 * MS) : rnd.nextLong(MS);
            a.accept(r, now);
            assertThat(a.inFlight()).isLessThanOrEqualTo(maxInFlight);
            if (rnd.nextInt(20) == 0) {
                a.poll(now);
            }
        }
        a.flush();

        // concatenating the emitted pieces of each stamp, in emission order, gives back its records
        Map<AuditStamp, List<AuditRecord>> seen = new LinkedHashMap<>();
        for (AuditEvent e : out) {
            assertThat(e.records()).allSatisfy(r -> assertThat(r.stamp()).isEqualTo(e.stamp()));
            seen.computeIfAbsent(e.stamp(), k -> new ArrayList<>()).addAll(e.records());
        }
        long total = 0;
        for (Spec s : specs) {
            List<AuditRecord> expected = s.records().stream().filter(r -> r.type() != AuditTypes.EOE).toList();
            total += expected.size();
            assertThat(seen.getOrDefault(s.stamp(), List.of())).as("records of %s, seed %d", s.stamp(), seed)
                    .containsExactlyElementsOf(expected);
        }
        EventAssembler.Stats st = a.stats();
        assertThat(st.records()).isEqualTo(total);
        assertThat(st.events()).isEqualTo(out.size());
        assertThat(st.byEoe() + st.byLastRecord() + st.timedOut() + st.evicted() + st.flushed()).isEqualTo(st.events());
    }
}
