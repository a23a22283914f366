package org.canister.core.contid;

import java.util.List;

/**
 * What the contid registry must not lose across a daemon restart (spec req. 19, DESIGN "Where state
 * lives"): the registered objects, the label of each live labelled task and the capcontid holders,
 * all naming tasks by (pid, start time). Member counts are not saved: they are recounted from
 * {@code /proc} by {@link ContidRegistry#reconcile}.
 *
 * @param bootId           {@code /proc/sys/kernel/random/boot_id} when saved: after a reboot no
 *                         (pid, start time) may be trusted, however well it matches
 * @param savedAtTicks     clock ticks since boot when saved (the unit of stat field 22): a task whose
 *                         start time is at or before this existed at the save, so if it is not listed
 *                         it was unlabelled then
 * @param objects          registered objects, every parent before its nested objects
 * @param labels           live labelled tasks (threads included) and the ID each carried
 * @param capContidHolders tasks holding capcontid=1
 */
public record ContidState(String bootId, long savedAtTicks, List<ObjectEntry> objects, List<LabelEntry> labels,
                          List<TaskRef> capContidHolders) {

    public ContidState {
        objects = List.copyOf(objects);
        labels = List.copyOf(labels);
        capContidHolders = List.copyOf(capContidHolders);
    }

    /**
     * One registered object.
     *
     * @param id       the container ID
     * @param owner    the creating orchestrator process incarnation
     * @param parentId the parent object's ID, or {@link ContidValue#UNSET} for none
     * @param dropped  true when its drop record was already produced (it is kept only as a parent)
     */
    public record ObjectEntry(long id, TaskRef owner, long parentId, boolean dropped) {
        public boolean hasParent() {
            return parentId != ContidValue.UNSET;
        }
    }

    /** A live task and the container ID it carried. */
    public record LabelEntry(TaskRef task, long id) {
    }
}
