package dev.btclock.upstream.contract;

/** A fixture whose upstream can send data the driver cannot read. */
public interface MalformedDataFixture extends BlockFixture {

    /** The upstream sends malformed data (bad JSON, wrong types, truncated frames...). */
    void sendMalformed() throws Exception;
}
