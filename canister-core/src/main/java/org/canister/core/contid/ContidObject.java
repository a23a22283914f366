package org.canister.core.contid;

/**
 * A registered audit container (v11 {@code struct audit_contobj}): its ID, the orchestrator process
 * incarnation that created it, and the container its creator was in. It is what
 * {@link org.canister.core.task.Task#containerLabel()} holds for every task of the container.
 *
 * <p>Identity fields are final and the formatted chain is computed once, so the hot path (the chain of
 * a task, for every annotated audit event) is two field reads: no map lookup, no allocation. Nodes
 * are parent-linked and shared: 10,000 containers nested 4 deep are 10,000 nodes.
 *
 * <p>The counters are the registry's bookkeeping (v11 {@code refcount}; Canister adds the count of
 * nested objects that name this one as parent, which keeps the ID reserved, spec req. 7). They are
 * mutated only by {@link ContidRegistry} under the daemon's model lock.
 */
public final class ContidObject {
    private final long id;
    private final TaskRef owner;
    private final ContidObject parent;
    private final int depth;
    private final String chain;

    /** Live tasks (threads included) carrying this object (v11 refcount). */
    int members;
    /** Registered objects whose parent is this one. */
    int children;
    /** The drop record has been produced; never again (exactly-once, spec req. 7). */
    boolean dropped;
    /** Still in the registry's id map (the id is not reusable while true). */
    boolean registered;

    ContidObject(long id, TaskRef owner, ContidObject parent) {
        this.id = id;
        this.owner = owner;
        this.parent = parent;
        this.depth = parent == null ? 1 : parent.depth + 1;
        // "4" + ",^" + "2,^1": the parent's cached chain already has the grammar (spec 1.5).
        String leaf = Long.toUnsignedString(id);
        this.chain = parent == null ? leaf : leaf + ",^" + parent.chain;
    }

    /** The container ID (unsigned 64-bit). */
    public long id() {
        return id;
    }

    /** The orchestrator process incarnation that created this object: the only one allowed to inject. */
    public TaskRef owner() {
        return owner;
    }

    /** The container the creator was in when it created this one, or null (v11 10/11 {@code parent}). */
    public ContidObject parent() {
        return parent;
    }

    /** 1 for a top-level container, 2 for one nested in it, ... */
    public int depth() {
        return depth;
    }

    /** The chain in v11 grammar, leaf first: {@code 4,^2,^1}. Cached. */
    public String chain() {
        return chain;
    }

    /** The chain as a value. */
    public ContidChain toChain() {
        long[] ids = new long[depth];
        ContidObject o = this;
        for (int i = 0; i < depth; i++, o = o.parent) {
            ids[i] = o.id;
        }
        return ContidChain.of(ids);
    }

    /** True when this container or any container it is nested in has this ID (spec req. 14). */
    public boolean chainContains(long contid) {
        for (ContidObject o = this; o != null; o = o.parent) {
            if (o.id == contid) {
                return true;
            }
        }
        return false;
    }

    /** Live tasks carrying this object right now. */
    public int memberCount() {
        return members;
    }

    /** Registered nested objects whose parent is this one. */
    public int nestedCount() {
        return children;
    }

    /** True once the last member exited (the drop record was produced). */
    public boolean isDropped() {
        return dropped;
    }

    /** True while the registry holds the ID: set attempts by others get ENOTUNIQ. */
    public boolean isRegistered() {
        return registered;
    }

    @Override
    public String toString() {
        return "ContidObject[" + chain + " owner=" + owner + " members=" + members + " nested=" + children
                + (dropped ? " dropped" : "") + (registered ? "" : " released") + "]";
    }
}
