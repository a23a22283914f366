/**
 * User-space audit filter rules: drop/keep by contid (any element of the chain), record type, key,
 * uid, auid and success, applied before events are queued for any sink. Syntax and semantics in
 * {@link org.canister.core.audit.filter.EventFilter}.
 */
package org.canister.core.audit.filter;
