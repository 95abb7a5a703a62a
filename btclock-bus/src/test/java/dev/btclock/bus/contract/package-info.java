/** The contract kit for buses, published in the {@code btclock-bus} test jar: extend {@link dev.btclock.bus.contract.EventBusContract}. */
package dev.btclock.bus.contract;
