/**
 * The BTClock event model, the market state that applies the wire protocol's rounding and dedup
 * rules, the v1 JSON and v2 MessagePack codecs, and the small helpers shared by every plugin
 * module (configuration values, provider lookup).
 */
module dev.btclock.core {

    exports dev.btclock.core.event;
    exports dev.btclock.core.state;
    exports dev.btclock.core.codec;
    exports dev.btclock.core.config;
    exports dev.btclock.core.plugin;
    exports dev.btclock.core.retry;
}
