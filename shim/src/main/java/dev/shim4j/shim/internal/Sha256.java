package dev.shim4j.shim.internal;

import java.nio.charset.StandardCharsets;

/**
 * SHA-256 (FIPS 180-4) of short texts, for the socket name of {@link ShimAddress}.
 *
 * <p>Why not MessageDigest: its first use initializes the JDK's security providers (reading and
 * parsing the java.security configuration, registering every provider's services), which costs
 * a cold JVM tens of milliseconds of a {@code start} that containerd waits for. Hashing a hundred
 * bytes needs none of that.
 */
final class Sha256 {
  /** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
  private static final int[] K = new int[64];
  /** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
  private static final int[] H0 = new int[8];

  static {
    int found = 0;
    for (int candidate = 2; found < K.length; candidate++) {
      if (isPrime(candidate)) {
        if (found < H0.length) {
          H0[found] = fraction32(Math.sqrt(candidate));
        }
        K[found++] = fraction32(Math.cbrt(candidate));
      }
    }
  }

  private Sha256() {}

  static byte[] digest(String text) {
    return digest(text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] digest(byte[] message) {
    // Padding: a 1 bit, zeros up to 56 mod 64 bytes, then the bit length as a 64-bit big endian.
    int padded = ((message.length + 8) / 64 + 1) * 64;
    byte[] data = new byte[padded];
    System.arraycopy(message, 0, data, 0, message.length);
    data[message.length] = (byte) 0x80;
    long bits = (long) message.length * 8;
    for (int i = 0; i < 8; i++) {
      data[padded - 1 - i] = (byte) (bits >>> (8 * i));
    }
    int[] h = H0.clone();
    int[] w = new int[64];
    for (int block = 0; block < padded; block += 64) {
      for (int t = 0; t < 16; t++) {
        int at = block + 4 * t;
        w[t] = (data[at] & 0xff) << 24 | (data[at + 1] & 0xff) << 16 | (data[at + 2] & 0xff) << 8 | (data[at + 3] & 0xff);
      }
      for (int t = 16; t < 64; t++) {
        int s0 = Integer.rotateRight(w[t - 15], 7) ^ Integer.rotateRight(w[t - 15], 18) ^ (w[t - 15] >>> 3);
        int s1 = Integer.rotateRight(w[t - 2], 17) ^ Integer.rotateRight(w[t - 2], 19) ^ (w[t - 2] >>> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
      }
      int a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (int t = 0; t < 64; t++) {
        int sum1 = Integer.rotateRight(e, 6) ^ Integer.rotateRight(e, 11) ^ Integer.rotateRight(e, 25);
        int choose = (e & f) ^ (~e & g);
        int t1 = hh + sum1 + choose + K[t] + w[t];
        int sum0 = Integer.rotateRight(a, 2) ^ Integer.rotateRight(a, 13) ^ Integer.rotateRight(a, 22);
        int majority = (a & b) ^ (a & c) ^ (b & c);
        int t2 = sum0 + majority;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
      }
      h[0] += a;
      h[1] += b;
      h[2] += c;
      h[3] += d;
      h[4] += e;
      h[5] += f;
      h[6] += g;
      h[7] += hh;
    }
    byte[] out = new byte[32];
    for (int i = 0; i < 8; i++) {
      out[4 * i] = (byte) (h[i] >>> 24);
      out[4 * i + 1] = (byte) (h[i] >>> 16);
      out[4 * i + 2] = (byte) (h[i] >>> 8);
      out[4 * i + 3] = (byte) h[i];
    }
    return out;
  }

  private static int fraction32(double root) {
    return (int) (long) ((root - Math.floor(root)) * 0x1p32);
  }

  private static boolean isPrime(int n) {
    for (int d = 2; d * d <= n; d++) {
      if (n % d == 0) {
        return false;
      }
    }
    return true;
  }
}
