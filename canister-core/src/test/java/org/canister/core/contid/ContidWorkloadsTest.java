package org.canister.core.contid;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContidWorkloadsTest {

    @Test
    void shouldBuildTenThousandContainersNestedFourDeepWithSharedChains() {
        ContidWorkloads.Nested w = ContidWorkloads.nested(10_000, 4, 2);
        assertThat(w.registry().objects()).hasSize(10_000);
        assertThat(w.leafPids()).hasSize(2_500);
        assertThat(w.registry().chainOf(w.leafPids()[0])).isEqualTo("4,^3,^2,^1");
        assertThat(w.registry().chainOf(w.leafPids()[2_499])).isEqualTo("10000,^9999,^9998,^9997");
        int worker = w.leafPids()[7] + 1;
        assertThat(w.registry().chainOf(worker)).as("workers inherit the leaf's object")
                .isSameAs(w.registry().chainOf(w.leafPids()[7]));
        assertThat(w.registry().objects()).allMatch(o -> o.depth() >= 1 && o.depth() <= 4);
        assertThat(w.registry().object(32).memberCount()).as("leaf + 2 workers").isEqualTo(3);
    }
}
