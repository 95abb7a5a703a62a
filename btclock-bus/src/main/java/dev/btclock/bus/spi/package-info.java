/** The bus plugin point: {@link dev.btclock.bus.spi.EventBus}, its provider and configuration, and the lookup by name. */
package dev.btclock.bus.spi;
