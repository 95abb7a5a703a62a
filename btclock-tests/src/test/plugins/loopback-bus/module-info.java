module com.example.loopback {
    requires dev.btclock.bus;

    provides dev.btclock.bus.spi.BusProvider with com.example.loopback.LoopbackBusProvider;
}
