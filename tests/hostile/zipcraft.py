"""A tiny zip writer for hostile tests: every header field is ours to set (or to lie in).

Why not ``zipfile``: it refuses to write the archives these tests need (overlapping entries,
Deflate64 members, symlink entries with chosen bits, encrypted flags without a cipher).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass


@dataclass
class Entry:
    name: str
    data: bytes  # the bytes stored in the archive (already compressed when method != 0)
    method: int = 0
    raw_size: int | None = None  # uncompressed size written in the headers
    crc: int | None = None
    flags: int = 0
    external_attr: int = 0
    create_system: int = 3  # Unix, so that symlink mode bits are honoured by readers


def local_header(e: Entry) -> bytes:
    name = e.name.encode("utf-8")
    crc = zlib.crc32(e.data) if e.crc is None else e.crc
    size = len(e.data) if e.raw_size is None else e.raw_size
    return struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x21,
                       crc, len(e.data), size, len(name), 0) + name


def central_header(e: Entry, offset: int) -> bytes:
    name = e.name.encode("utf-8")
    crc = zlib.crc32(e.data) if e.crc is None else e.crc
    size = len(e.data) if e.raw_size is None else e.raw_size
    return struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", (e.create_system << 8) | 20, 20,
                       e.flags, e.method, 0, 0x21, crc, len(e.data), size, len(name), 0, 0, 0,
                       0, e.external_attr, offset) + name


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def build(entries: list[Entry]) -> bytes:
    """A well-formed archive of the given entries, each with its own local header."""
    body = bytearray()
    central = bytearray()
    for e in entries:
        offset = len(body)
        body += local_header(e) + e.data
        central += central_header(e, offset)
    return bytes(body) + bytes(central) + end_record(len(entries), len(central), len(body))


def deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def overlapping_bomb(kernel: bytes, copies: int) -> bytes:
    """A "quoted overlap" bomb (Fifield 2019, stored variant): member i's data is every later
    member's local header and data, so the members overlap and the extracted total grows
    quadratically with the archive size. Built from the last member backwards so that each
    header's CRC and size are true."""
    tail = local_header(Entry(f"f{copies - 1:04d}.log", kernel)) + kernel
    blobs = [tail]
    for i in range(copies - 2, -1, -1):
        tail = local_header(Entry(f"f{i:04d}.log", tail)) + tail
        blobs.append(tail)
    blobs.reverse()  # blobs[i] = header_i + data_i, data_i = blobs[i+1]
    central = bytearray()
    offset = 0
    for i in range(copies):
        hdr_len = 30 + len(f"f{i:04d}.log")
        data = blobs[i][hdr_len:]
        central += central_header(Entry(f"f{i:04d}.log", data), offset)
        offset += hdr_len
    body = blobs[0]
    return body + bytes(central) + end_record(copies, len(central), len(body))
