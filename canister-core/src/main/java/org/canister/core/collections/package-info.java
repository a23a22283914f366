/**
 * Primitive-keyed collections the model needs at a million entries (Agrona's
 * {@code org.agrona.collections} shape): no boxing, no per-entry nodes.
 */
package org.canister.core.collections;
