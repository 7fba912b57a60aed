"""Byte-level mutations of a seed, drawn by hypothesis (shrinkable, reproducible)."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

INTERESTING = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF)
TOKENS = (b"\r\n", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"PK\x03\x04",
          b"\x1f\x8b", b"ElfChnk\x00", b"**\x00\x00", b"[", b"]", b"'", b"{", b"}", b"<", b">",
          b"Writer name: '", b"   State: [", b"Last error: ", b"] <01> Error ", b"\xc3", b"\xd8\x00")


@st.composite
def mutated(draw: st.DrawFn, seeds: tuple[bytes, ...], max_ops: int = 12) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(("flip", "byte", "int", "insert", "token", "delete", "dup",
                                   "truncate", "splice")))
        n = len(data)
        pos = draw(st.integers(0, max(n - 1, 0)))
        if op == "flip" and n:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "byte" and n:
            data[pos] = draw(st.integers(0, 255))
        elif op == "int" and n >= 4:
            pos = min(pos, n - 4)
            struct.pack_into("<I", data, pos, draw(st.sampled_from(INTERESTING)))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(max_size=64))
        elif op == "token":
            data[pos:pos] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 4096))]
        elif op == "dup":
            data[pos:pos] = data[pos:pos + draw(st.integers(1, 4096))]
        elif op == "truncate":
            del data[pos:]
        elif op == "splice":
            other = draw(st.sampled_from(seeds))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            data[pos:pos] = other[start:start + draw(st.integers(1, 8192))]
    return bytes(data)
