"""Writes LZ4 frames for the Swift decoder's tests: every combination of block size, linked or
independent blocks, block and content checksums and a stored content size, over empty,
incompressible, repetitive and mixed data, plus two frames back to back.

Usage: lz4_frames.py DIR   writes DIR/N.lz4 and DIR/N.raw for each case and prints the count.
"""
import itertools
import os
import random
import sys

import lz4.frame


def main():
    directory = sys.argv[1]
    generator = random.Random(20261207)
    incompressible = generator.randbytes(150_000)
    repetitive = b"tributary " * 30_000
    mixed = b"".join(generator.choice([b"abc" * generator.randint(1, 400), generator.randbytes(50)]) for _ in range(600))
    sizes = [lz4.frame.BLOCKSIZE_MAX64KB, lz4.frame.BLOCKSIZE_MAX256KB, lz4.frame.BLOCKSIZE_MAX1MB, lz4.frame.BLOCKSIZE_MAX4MB]
    flags = list(itertools.product([True, False], repeat=4))  # linked, content checksum, block checksum, stored size
    cases = []
    # Every data with every block size and, over the block sizes, every combination of the flags.
    for data in [b"", b"x", incompressible, repetitive, mixed]:
        for i, block_size in enumerate(sizes):
            for j in range(4):
                linked, content_checksum, block_checksum, store_size = flags[i * 4 + j]
                frame = lz4.frame.compress(
                    data, block_size=block_size, block_linked=linked, content_checksum=content_checksum,
                    block_checksum=block_checksum, store_size=store_size, compression_level=generator.choice([0, 3, 9, 16]))
                cases.append((frame, data))
    cases.append((lz4.frame.compress(mixed) + lz4.frame.compress(repetitive), mixed + repetitive))  # two frames back to back
    for index, (frame, data) in enumerate(cases):
        with open(os.path.join(directory, f"{index}.lz4"), "wb") as f:
            f.write(frame)
        with open(os.path.join(directory, f"{index}.raw"), "wb") as f:
            f.write(data)
    print(len(cases))


if __name__ == "__main__":
    main()
