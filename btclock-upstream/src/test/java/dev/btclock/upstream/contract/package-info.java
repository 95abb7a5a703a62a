/**
 * The contract kit for upstream drivers, published in the {@code btclock-upstream} test jar: a
 * driver's test implements {@link dev.btclock.upstream.contract.UpstreamDriverContract} and, where
 * they apply, {@link dev.btclock.upstream.contract.MalformedDataContract} and
 * {@link dev.btclock.upstream.contract.OutageContract}, with a fixture that implements the matching
 * fixture interfaces.
 */
package dev.btclock.upstream.contract;
