package com.example.constant;

import dev.btclock.upstream.spi.DriverConfig;
import dev.btclock.upstream.spi.UpstreamDriver;
import dev.btclock.upstream.spi.UpstreamDriverProvider;

public final class ConstantDriverProvider implements UpstreamDriverProvider {

    @Override
    public String name() {
        return "constant";
    }

    @Override
    public UpstreamDriver create(DriverConfig config) {
        var s = config.settings();
        return new ConstantDriver(Double.parseDouble(s.getOrDefault("CONSTANT_PRICE", "12345")),
                Long.parseLong(s.getOrDefault("CONSTANT_HEIGHT", "900000")),
                Double.parseDouble(s.getOrDefault("CONSTANT_FEE", "7")), config.clock());
    }
}
