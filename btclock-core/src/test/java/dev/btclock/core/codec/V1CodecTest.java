package dev.btclock.core.codec;

import dev.btclock.core.GoldenVectors;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class V1CodecTest {

    @Test
    void connectFrames_matchVector1() {
        assertArrayEquals(GoldenVectors.bytes("1-v1-price"), V1Codec.price(64212));
        assertArrayEquals(GoldenVectors.bytes("1-v1-block"), V1Codec.block(870123));
        assertArrayEquals(GoldenVectors.bytes("1-v1-fee"), V1Codec.fee(13));
    }

    @Test
    void noUsdPrice_isEmptyObject() {
        assertArrayEquals(GoldenVectors.bytes("2-v1-noprice"), V1Codec.noPrice());
    }

    @Test
    void prices_areBareIntegers() {
        assertArrayEquals(GoldenVectors.bytes("3-v1"), V1Codec.price(99999));
        assertArrayEquals(GoldenVectors.bytes("4-v1"), V1Codec.price(100000));
    }

    @Test
    void feeFrames_matchVectors19And20() {
        assertArrayEquals(GoldenVectors.bytes("19-v1"), V1Codec.fee(12));
        assertArrayEquals(GoldenVectors.bytes("20-v1"), V1Codec.fee(10));
    }
}
