module com.example.constant {
    requires dev.btclock.upstream;

    provides dev.btclock.upstream.spi.UpstreamDriverProvider with com.example.constant.ConstantDriverProvider;
}
