/**
 * Canister's pure semantics: no FFM, no threads of its own, no clock reads. Time is a parameter.
 */
package org.canister.core;
