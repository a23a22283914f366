package org.canister.core.audit.annotate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.canister.core.audit.AuditEvent;
import org.canister.core.audit.AuditEvent.Completion;
import org.canister.core.audit.AuditRecord;
import org.canister.core.audit.AuditRecordText;
import org.canister.core.audit.AuditStamp;
import org.canister.core.audit.AuditTypes;
import org.canister.core.audit.CanisterTypes;
import org.canister.core.audit.annotate.ContidAnnotator.Netfilter;
import org.canister.core.audit.annotate.ContidAnnotator.Placement;
import org.canister.core.audit.annotate.ContidAnnotator.Result;
import org.canister.core.contid.ContidChain;
import org.canister.core.contid.ContidObject;
import org.canister.core.contid.ContidRegistry;
import org.canister.core.fs.Caller;
import org.canister.core.task.Task;
import org.canister.core.task.TaskEvent;
import org.canister.core.task.TaskSnapshot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** NETFILTER_PKT annotation (spec/audit-contid.md 6.2 req. 10, v11 08/11). */
class NetfilterAnnotationTest {
    private static final AuditStamp STAMP = new AuditStamp(1_606_404_287L, 984, 174549);
    private static final long HOST = LabelledTree.HOST_NS.net();
    /** A container's own netns: an allocated nsfs inode (0xF00000B9). */
    private static final long OTHER = 4026532281L;
    private static final long N1 = 4112973747854606336L;
    private static final long N2 = 1916436506412318720L;
    private static final long N3 = 777L;

    private LabelledTree tree;
    private NetnsContainers containers;

    /** init(1) -> orchestrator 100 -> 201 (n1), 202 (n2), both in the host netns. */
    @BeforeEach
    void setUp() {
        tree = new LabelledTree();
        tree.fork(1, 100);
        tree.fork(100, 201);
        tree.fork(100, 202);
        tree.label(100, 201, N1);
        tree.label(100, 202, N2);
        containers = NetnsContainers.attach(tree.table, tree.registry);
    }

    private ContidAnnotator annotator(boolean markNetns) {
        return new ContidAnnotator(tree.table, Placement.AFTER, new Netfilter(containers, HOST, markNetns));
    }

    private static String pktBody(String mark) {
        return "mark=" + mark + " saddr=127.0.0.1 daddr=127.0.0.1 proto=1";
    }

    private static AuditEvent packet(String mark) {
        return new AuditEvent(STAMP, List.of(new AuditRecord(AuditTypes.NETFILTER_PKT, STAMP, pktBody(mark))),
                Completion.TIMEOUT);
    }

    private static List<String> lines(AuditEvent e) {
        return e.records().stream().map(AuditRecordText::format).toList();
    }

    /** The contid list of the CONTAINER_ID the packet carries, or null. */
    private static String contidOf(Result r) {
        for (AuditRecord rec : r.event().records()) {
            if (rec.isCanister(CanisterTypes.CONTAINER_ID)) {
                return rec.field("contid");
            }
        }
        return null;
    }

    @Test
    void shouldListEveryContainerWithAMemberInTheHostNetnsLinkedByRecordOne() {
        Result r = annotator(false).annotate(packet("0x0"));

        assertThat(r.added()).isEqualTo(1);
        assertThat(lines(r.event())).containsExactly(
                "type=NETFILTER_PKT msg=audit(1606404287.984:174549): " + pktBody("0x0") + " record=1",
                "type=CONTAINER_ID msg=audit(1606404287.984:174549): record=1 contid=" + N2 + "," + N1);
        assertThat(r.event().stamp()).isEqualTo(STAMP);
        assertThat(r.event().completion()).isEqualTo(Completion.TIMEOUT);
    }

    @Test
    void shouldPutContainerIdBeforeThePacketInV11Order() {
        Result r = new ContidAnnotator(tree.table, Placement.BEFORE, new Netfilter(containers, HOST, false))
                .annotate(packet("0x0"));

        assertThat(r.event().records().get(0).isCanister(CanisterTypes.CONTAINER_ID)).isTrue();
        assertThat(r.event().records().get(1).body()).isEqualTo(pktBody("0x0") + " record=1");
    }

    @Test
    void shouldGiveAPacketNoSubjectSoItIsNeitherRoutedNorFilteredAsAContainer() {
        Result r = annotator(false).annotate(packet("0x0"));

        assertThat(r.subject()).isNull();
        assertThat(SubjectChains.subjectOf(r.event())).isNull();
        assertThat(SubjectChains.mentions(r.event(), N1)).isTrue();
        assertThat(SubjectChains.mentions(r.event(), N2)).isTrue();
        assertThat(SubjectChains.mentions(r.event(), N3)).isFalse();
    }

    @Test
    void shouldLeaveOutAContainerWhoseTasksAreInAnotherNetns() {
        tree.fork(100, 203);
        tree.label(100, 203, N3);
        tree.enterNetns(203, OTHER);

        assertThat(contidOf(annotator(false).annotate(packet("0x0")))).isEqualTo(N2 + "," + N1);
    }

    @Test
    void shouldListAContainerOnceWhateverItsMemberCount() {
        tree.fork(201, 301);
        tree.fork(201, 302);
        tree.table.apply(new TaskEvent.Fork(tree.tick(), 202, 202, 2021, 202, tree.ticks++)); // a thread of n2

        assertThat(contidOf(annotator(false).annotate(packet("0x0")))).isEqualTo(N2 + "," + N1);
    }

    @Test
    void shouldFollowExitsUntilNoMemberIsLeftAndThenLeaveThePacketUntouched() {
        ContidAnnotator annotator = annotator(false);
        tree.fork(201, 301);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(N2 + "," + N1);

        tree.exit(201);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).as("301 still carries n1").isEqualTo(N2 + "," + N1);
        tree.exit(301);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(Long.toString(N2));
        tree.exit(202);

        AuditEvent e = packet("0x0");
        Result r = annotator.annotate(e);
        assertThat(r.event()).isSameAs(e);
        assertThat(r.added()).isZero();
        assertThat(annotator.stats().netfilterPackets()).isEqualTo(4);
        assertThat(annotator.stats().netfilterAnnotated()).isEqualTo(3);
    }

    @Test
    void shouldLeaveAPacketUntouchedWhenNoTaskIsLabelled() {
        LabelledTree bare = new LabelledTree();
        bare.fork(1, 100);
        bare.fork(100, 200);
        ContidAnnotator annotator = new ContidAnnotator(bare.table, Placement.AFTER,
                new Netfilter(NetnsContainers.attach(bare.table, bare.registry), HOST, true));
        AuditEvent e = packet("0x0");

        Result r = annotator.annotate(e);

        assertThat(r.event()).isSameAs(e);
        assertThat(r.added()).isZero();
        assertThat(r.subject()).isNull();
    }

    @Test
    void shouldLeaveNetfilterRecordsAloneWithoutAttribution() {
        AuditEvent e = packet("0x0");

        assertThat(new ContidAnnotator(tree.table, Placement.AFTER).annotate(e).event()).isSameAs(e);
    }

    @Test
    void shouldPutANewlyArrivedContainerFirstAsV11HeadInsertionDoes() {
        ContidAnnotator annotator = annotator(false);
        tree.fork(100, 203);
        tree.label(100, 203, N3);
        tree.enterNetns(203, OTHER);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(N2 + "," + N1);

        tree.enterNetns(203, HOST); // setns back: n3 arrives in the host netns after n1 and n2

        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(N3 + "," + N2 + "," + N1);
    }

    @Test
    void shouldPrintNestedChainsInTheV11Grammar() {
        // 201 (in n1) is a nested orchestrator: it labels its child 211 with 5.
        tree.fork(201, 211);
        Task w = tree.table.process(201);
        Caller c = new Caller(201, 201, w.startTime(), w.creds(), LabelledTree.INIT_USER_NS, true);
        assertThat(tree.registry.set(c, 211, tree.table.task(211).startTime(), 5, tree.wallMs).isSuccess()).isTrue();

        String list = contidOf(annotator(false).annotate(packet("0x0")));

        assertThat(list).isEqualTo("5,^" + N1 + "," + N2 + "," + N1);
        assertThat(ContidChain.parseAll(list)).containsExactly(ContidChain.of(5, N1), ContidChain.of(N2),
                ContidChain.of(N1));
    }

    @Test
    void shouldNumberThePacketAfterTheSyscallSubjectInOneEvent() {
        // A kernel that joins the packet to the sender's syscall event: one record= sequence per event.
        AuditEvent e = new AuditEvent(STAMP, List.of(
                new AuditRecord(AuditTypes.SYSCALL, STAMP, "arch=c000003e syscall=44 success=yes exit=64 ppid=100"
                        + " pid=201 auid=0 uid=0 comm=\"ping\" exe=\"/usr/bin/ping\""),
                new AuditRecord(AuditTypes.NETFILTER_PKT, STAMP, pktBody("0x0"))), Completion.EOE);

        Result r = annotator(false).annotate(e);

        assertThat(r.added()).isEqualTo(2);
        assertThat(r.subject()).isEqualTo(ContidChain.of(N1));
        List<AuditRecord> out = r.event().records();
        assertThat(out.get(0).body()).endsWith(" record=1");
        assertThat(out.get(1).body()).isEqualTo("record=1 contid=" + N1);
        assertThat(out.get(2).body()).isEqualTo(pktBody("0x0") + " record=2");
        assertThat(out.get(3).body()).isEqualTo("record=2 contid=" + N2 + "," + N1);
        assertThat(SubjectChains.subjectOf(r.event())).isEqualTo(ContidChain.of(N1));
    }

    // ------------------------------------------------------------------ mark convention

    @Test
    void shouldAttributeAPacketToTheNetnsItsMarkNames() {
        tree.fork(100, 203);
        tree.label(100, 203, N3);
        tree.enterNetns(203, OTHER);
        ContidAnnotator annotator = annotator(true);

        Result r = annotator.annotate(packet("0x" + Long.toHexString(OTHER)));

        assertThat(contidOf(r)).isEqualTo(Long.toString(N3));
        assertThat(annotator.stats().netfilterByMark()).isEqualTo(1);
        assertThat(contidOf(annotator.annotate(packet("0x" + Long.toHexString(HOST))))).isEqualTo(N2 + "," + N1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0x0", "0x4000", "0x15766399", "junk"})
    void shouldAttributeUnmarkedAndForeignMarksToTheHostNetns(String mark) {
        assertThat(contidOf(annotator(true).annotate(packet(mark)))).isEqualTo(N2 + "," + N1);
    }

    @Test
    void shouldAttributeARecordWithoutMarkToTheHostNetns() {
        AuditEvent e = new AuditEvent(STAMP, List.of(new AuditRecord(AuditTypes.NETFILTER_PKT, STAMP,
                "action=0 hook=3 len=84 inif=? outif=lo saddr=127.0.0.1 daddr=127.0.0.1 ipid=1 proto=1")),
                Completion.TIMEOUT);

        assertThat(contidOf(annotator(true).annotate(e))).isEqualTo(N2 + "," + N1);
    }

    @Test
    void shouldNotAnnotateAMarkNamingANetnsWithoutLabelledMembers() {
        // Shaped like an nsfs inode but no labelled task is there: the host's list would be wrong.
        AuditEvent e = packet("0x" + Long.toHexString(OTHER));
        ContidAnnotator annotator = annotator(true);

        assertThat(annotator.annotate(e).event()).isSameAs(e);
        assertThat(annotator.stats().netfilterByMark()).isZero();
    }

    @Test
    void shouldIgnoreTheMarkWhenTheConventionIsOff() {
        tree.fork(100, 203);
        tree.label(100, 203, N3);
        tree.enterNetns(203, OTHER);

        assertThat(contidOf(annotator(false).annotate(packet("0x" + Long.toHexString(OTHER)))))
                .isEqualTo(N2 + "," + N1);
    }

    @Test
    void shouldParseTheMarkAsTheKernelPrintsIt() {
        assertThat(ContidAnnotator.parseMark("0x15766399")).isEqualTo(0x15766399L);
        assertThat(ContidAnnotator.parseMark("0xf00000b9")).isEqualTo(0xF00000B9L);
        assertThat(ContidAnnotator.parseMark("0x0")).isZero();
        assertThat(ContidAnnotator.parseMark("4026532281")).isEqualTo(4026532281L);
        assertThat(ContidAnnotator.parseMark(null)).isZero();
        assertThat(ContidAnnotator.parseMark("0xzz")).isZero();
    }

    @Test
    void shouldRequireTheHostNetnsAndTheLists() {
        assertThatThrownBy(() -> new Netfilter(containers, 0, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host netns");
        assertThatThrownBy(() -> new Netfilter(null, HOST, false)).isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------------ index cost and correctness

    @Test
    void shouldNotRescanTheTableForPacketsForksExitsOrNetnsMoves() {
        ContidAnnotator annotator = annotator(true);
        annotator.annotate(packet("0x0"));
        long rebuilds = containers.stats().rebuilds();

        for (int i = 0; i < 100; i++) {
            tree.fork(201, 1000 + i);
            annotator.annotate(packet("0x0"));
            tree.enterNetns(1000 + i, OTHER);
            annotator.annotate(packet("0x" + Long.toHexString(OTHER)));
            tree.exit(1000 + i);
        }

        tree.fork(100, 203);
        tree.label(100, 203, N3);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(N3 + "," + N2 + "," + N1);
        assertThat(containers.stats().rebuilds()).isEqualTo(rebuilds);
        assertThat(containers.stats().lookups()).isEqualTo(202);

        // A task /proc shows before its fork event inherits its parent's label in the registry, which does
        // not announce it: the next lookup rebuilds once.
        tree.table.apply(new TaskEvent.Refresh(tree.tick(), new TaskSnapshot(5000, 5000, 203, tree.ticks++,
                LabelledTree.ROOT, LabelledTree.HOST_NS, "/", "sh", "/bin/sh")));
        tree.enterNetns(5000, OTHER);
        annotator.annotate(packet("0x0"));
        assertThat(contidOf(annotator.annotate(packet("0x" + Long.toHexString(OTHER))))).isEqualTo(Long.toString(N3));
        assertThat(containers.stats().rebuilds()).isEqualTo(rebuilds + 1);
    }

    @Test
    void shouldPutAContainerLabelledAfterTheFirstPacketFirst() {
        ContidAnnotator annotator = annotator(false);
        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo(N2 + "," + N1);
        tree.fork(100, 203);
        tree.label(100, 203, N3);
        tree.fork(100, 204);
        tree.label(100, 204, 778);

        assertThat(contidOf(annotator.annotate(packet("0x0")))).isEqualTo("778," + N3 + "," + N2 + "," + N1);
    }

    /**
     * Seeded random histories of forks, threads, exits, sets (nested included) and netns moves, with
     * lookups in between: the index always equals a recount over the live tasks.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void shouldAlwaysEqualARecountOfTheLiveTasks(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] nets = {HOST, OTHER, OTHER + 1};
        List<Integer> procs = new ArrayList<>(List.of(201, 202));
        int nextPid = 2000;
        long nextId = 10;
        for (int step = 0; step < 600; step++) {
            int op = rnd.nextInt(10);
            int p = procs.get(rnd.nextInt(procs.size()));
            switch (op) {
                case 0, 1 -> {
                    int child = nextPid++;
                    tree.fork(p, child);
                    procs.add(child);
                }
                case 2 -> tree.table.apply(new TaskEvent.Fork(tree.tick(), p, p, nextPid++, p, tree.ticks++));
                case 3 -> {
                    if (procs.size() > 2) {
                        tree.exit(p);
                        procs.remove(Integer.valueOf(p));
                    }
                }
                case 4 -> {
                    // the orchestrator, or a labelled task as nested orchestrator, labels a fresh child
                    int writer = rnd.nextBoolean() ? 100 : p;
                    int child = nextPid++;
                    tree.fork(writer, child);
                    procs.add(child);
                    Task w = tree.table.process(writer);
                    Caller c = new Caller(writer, writer, w.startTime(), w.creds(), LabelledTree.INIT_USER_NS, true);
                    tree.registry.set(c, child, tree.table.task(child).startTime(), nextId++, tree.wallMs);
                }
                case 5, 6 -> {
                    Task t = tree.table.task(p);
                    if (t != null) {
                        tree.enterNetns(p, nets[rnd.nextInt(nets.length)]);
                    }
                }
                default -> {
                    long net = nets[rnd.nextInt(nets.length)];
                    assertThat(chainSet(containers.chains(net))).as("seed %d step %d netns %d", seed, step, net)
                            .isEqualTo(recount().getOrDefault(net, Set.of()));
                }
            }
        }
        Map<Long, Set<String>> expected = recount();
        for (long net : nets) {
            String list = containers.chains(net);
            assertThat(chainSet(list)).isEqualTo(expected.getOrDefault(net, Set.of()));
            assertThat(list == null ? 0 : ContidChain.parseAll(list).size()).as("no container twice")
                    .isEqualTo(expected.getOrDefault(net, Set.of()).size());
        }
    }

    private Map<Long, Set<String>> recount() {
        Map<Long, Set<String>> out = new HashMap<>();
        tree.table.forEachProcess(p -> tree.table.forEachThread(p.tgid(), t -> {
            ContidObject o = ContidRegistry.labelOf(t);
            if (o != null) {
                out.computeIfAbsent(t.ns().net(), k -> new HashSet<>()).add(o.chain());
            }
        }));
        return out;
    }

    /** Splits a list into its chains ({@code 5,^1,2} is {@code 5,^1} and {@code 2}). */
    private static Set<String> chainSet(String list) {
        if (list == null) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (ContidChain c : ContidChain.parseAll(list)) {
            out.add(c.format());
        }
        return out;
    }
}
