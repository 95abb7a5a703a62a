/** The device wire formats: v1 JSON text frames, v2 MessagePack frames and requests, JavaScript number text. */
package dev.btclock.core.codec;
